//! The password policy (OWASP ASVS 2.1): long enough, not too long to hash, not the email
//! address, not one of the passwords attackers try first.

use super::FieldError;

pub const MIN_PASSWORD_LENGTH: usize = 12;
pub const MAX_PASSWORD_LENGTH: usize = 128;

/// Passwords that appear at the top of every breached-password list and satisfy the length rule.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "password1234",
    "password12345",
    "passwordpassword",
    "qwertyuiop12",
    "qwertyuiopasdf",
    "iloveyou1234",
    "letmein12345",
    "administrator",
    "changeme1234",
    "welcome12345",
];

/// Checks a new password for the account with this (normalized) email. `field` is the form field
/// the message belongs to.
pub fn check_password_policy(password: &str, email: &str, field: &'static str) -> Result<(), FieldError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LENGTH {
        return Err(FieldError::new(
            field,
            format!("Use at least {MIN_PASSWORD_LENGTH} characters."),
        ));
    }
    if length > MAX_PASSWORD_LENGTH {
        return Err(FieldError::new(
            field,
            format!("Use at most {MAX_PASSWORD_LENGTH} characters."),
        ));
    }
    let lower = password.to_lowercase();
    if let Some(first) = lower.chars().next() {
        if lower.chars().all(|c| c == first) {
            return Err(FieldError::new(field, "Use more than one repeated character."));
        }
    }
    let local_part = email.split('@').next().unwrap_or_default();
    if !email.is_empty() && (lower.contains(email) || (local_part.len() >= 4 && lower.contains(local_part))) {
        return Err(FieldError::new(field, "Don't use your email address in your password."));
    }
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Err(FieldError::new(field, "That password is too common; choose another."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str) -> Result<(), String> {
        check_password_policy(password, "ada@example.com", "password").map_err(|e| e.message)
    }

    #[test]
    fn a_long_unusual_password_is_accepted() {
        assert_eq!(check("correct horse battery staple"), Ok(()));
        assert_eq!(check(&"ab".repeat(64)), Ok(()));
    }

    #[test]
    fn short_and_overlong_passwords_are_rejected() {
        assert_eq!(check("short pass1"), Err("Use at least 12 characters.".into()));
        assert_eq!(check(&"ab".repeat(64).chars().chain(['c']).collect::<String>()), Err("Use at most 128 characters.".into()));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(check("ééééééééééé").is_err(), "11 characters");
        assert!(check("ééééééééééèè").is_ok(), "12 characters");
    }

    #[test]
    fn a_password_made_of_the_email_address_is_rejected() {
        assert!(check("ada@example.com!").is_err());
        assert!(check_password_policy("xx-LOVELACE-2024", "lovelace@example.com", "password").is_err());
        assert!(check("xx-ADA-2024-yy").is_ok(), "local parts shorter than 4 characters are too common to forbid");
    }

    #[test]
    fn common_and_repetitive_passwords_are_rejected() {
        assert!(check("Password1234").is_err());
        assert!(check("aaaaaaaaaaaaaa").is_err());
    }

    #[test]
    fn the_error_names_the_field_it_was_given() {
        let err = check_password_policy("x", "", "new_password").unwrap_err();
        assert_eq!(err.field, "new_password");
    }
}
