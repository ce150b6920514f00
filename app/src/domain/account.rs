//! The fields of an account that people type in: email address and display name.

use super::FieldError;
use super::permissions::OrgRole;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A person who can sign in. Never carries the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    /// An IANA time zone name such as `Europe/Paris`; times are shown to this person in it.
    pub time_zone: String,
    pub role: OrgRole,
    pub active: bool,
    /// Bumped on every change; edits send the revision they started from.
    pub revision: i64,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub const MAX_EMAIL_LENGTH: usize = 254;
pub const MAX_DISPLAY_NAME_LENGTH: usize = 100;

/// Trims and lower-cases an email address and checks that it has the shape `local@domain`.
/// Emails are compared case-insensitively everywhere, so the stored form is lower case.
pub fn normalize_email(input: &str) -> Result<String, FieldError> {
    let email = input.trim().to_lowercase();
    if email.is_empty() {
        return Err(FieldError::new("email", "Enter an email address."));
    }
    if email.chars().count() > MAX_EMAIL_LENGTH {
        return Err(FieldError::new("email", "That email address is too long."));
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if !valid {
        return Err(FieldError::new("email", "Enter an email address like name@example.com."));
    }
    Ok(email)
}

/// Trims a display name and checks its length.
pub fn normalize_display_name(input: &str) -> Result<String, FieldError> {
    let name = input.trim();
    if name.is_empty() {
        return Err(FieldError::new("display_name", "Enter a name."));
    }
    if name.chars().count() > MAX_DISPLAY_NAME_LENGTH {
        return Err(FieldError::new(
            "display_name",
            format!("Names are at most {MAX_DISPLAY_NAME_LENGTH} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(FieldError::new("display_name", "Names cannot contain control characters."));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(normalize_email("  Ada@Example.COM ").unwrap(), "ada@example.com");
    }

    #[test]
    fn malformed_emails_are_rejected_on_the_email_field() {
        for bad in ["", "ada", "@example.com", "ada@", "ada@@example.com", "a da@example.com", "ada@.com"] {
            let err = normalize_email(bad).unwrap_err();
            assert_eq!(err.field, "email", "{bad:?}");
        }
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(normalize_display_name("  Ada Lovelace ").unwrap(), "Ada Lovelace");
        assert!(normalize_display_name("   ").is_err());
        assert!(normalize_display_name(&"x".repeat(101)).is_err());
        assert!(normalize_display_name(&"x".repeat(100)).is_ok());
    }
}
