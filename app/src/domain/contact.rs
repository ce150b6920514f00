//! Contact methods: how one person is reached when they are paged or told of a hand-off. An
//! email address, or an HTTP endpoint (a webhook, or an SMS or voice provider's HTTP API) whose
//! URL is a template with `{message}` where the message goes.
//!
//! No I/O.

use super::FieldError;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Contact methods one person may have at most.
pub const MAX_CONTACT_METHODS: i64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContactKind {
    Email,
    /// An HTTP endpoint: Quell posts JSON to the URL, with `{message}` in the URL filled in.
    Webhook,
}

impl ContactKind {
    pub const ALL: [ContactKind; 2] = [ContactKind::Email, ContactKind::Webhook];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Email => "email",
            ContactKind::Webhook => "webhook",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ContactKind::Email => "Email",
            ContactKind::Webhook => "Webhook or SMS gateway",
        }
    }
}

impl FromStr for ContactKind {
    type Err = FieldError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        ContactKind::ALL
            .into_iter()
            .find(|k| k.as_str() == value.trim())
            .ok_or_else(|| FieldError::new("kind", "Choose email or webhook."))
    }
}

/// A contact method as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactMethod {
    pub id: i64,
    pub user_id: i64,
    pub kind: ContactKind,
    pub label: String,
    /// The email address, or the URL template.
    pub target: String,
}

/// Checks a contact method as a form sends it: its kind, a label of 1–60 characters, and an
/// email address or an `http(s)://` URL.
pub fn normalize_contact(kind: &str, label: &str, target: &str) -> Result<(ContactKind, String, String), FieldError> {
    let kind: ContactKind = kind.parse()?;
    let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
    if label.is_empty() || label.chars().count() > 60 {
        return Err(FieldError::new("label", "Give it a short name, such as “Work email” or “Phone”, up to 60 characters."));
    }
    let target = match kind {
        ContactKind::Email => super::delivery::normalize_subscriber_email(target)
            .map_err(|_| FieldError::new("target", "Enter an email address like name@example.com."))?,
        ContactKind::Webhook => {
            let url = target.trim().to_string();
            let valid = (url.starts_with("https://") || url.starts_with("http://"))
                && url.len() > 10
                && url.len() <= 2000
                && !url.contains(char::is_whitespace);
            if !valid {
                return Err(FieldError::new("target", "Enter the address to call, starting with https:// (or http://)."));
            }
            url
        }
    };
    Ok((kind, label, target))
}

/// A person's name as paging forms, policies and schedules show it when nothing reaches them:
/// "Riley Stone (no contact method: won't be reached)".
pub fn unreachable_name(name: &str) -> String {
    format!("{name} (no contact method: won't be reached)")
}

/// A webhook contact method's URL for `message`: every `{message}` in the template replaced by
/// the message, percent-encoded (RFC 3986: everything but letters, digits and `-._~`).
pub fn fill_url_template(template: &str, message: &str) -> String {
    let mut encoded = String::with_capacity(message.len() * 3);
    for byte in message.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    template.replace("{message}", &encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_methods_are_checked_field_by_field() {
        assert_eq!(
            normalize_contact("email", "  Work   email ", " Ada@Example.com "),
            Ok((ContactKind::Email, "Work email".to_string(), "ada@example.com".to_string()))
        );
        assert_eq!(
            normalize_contact("webhook", "Phone", "https://sms.example/send?to=123&text={message}"),
            Ok((ContactKind::Webhook, "Phone".to_string(), "https://sms.example/send?to=123&text={message}".to_string()))
        );
        // (kind, label, target, field)
        let cases = [
            ("pager", "x", "x", "kind"),
            ("email", " ", "ada@example.com", "label"),
            ("email", &"x".repeat(61), "ada@example.com", "label"),
            ("email", "Work", "ada", "target"),
            ("webhook", "Phone", "ftp://sms.example", "target"),
            ("webhook", "Phone", "https://sms.example/a b", "target"),
        ];
        for (kind, label, target, field) in cases {
            assert_eq!(normalize_contact(kind, label, target).unwrap_err().field, field, "{kind} {label} {target}");
        }
    }

    #[test]
    fn the_message_is_percent_encoded_into_the_url() {
        assert_eq!(
            fill_url_template("https://sms.example/send?text={message}&x=1", "INC-4: Payments down & 50% failing"),
            "https://sms.example/send?text=INC-4%3A%20Payments%20down%20%26%2050%25%20failing&x=1"
        );
        assert_eq!(fill_url_template("https://hooks.example/p", "ignored"), "https://hooks.example/p");
        assert_eq!(fill_url_template("https://x.example/{message}", "é"), "https://x.example/%C3%A9");
    }
}
