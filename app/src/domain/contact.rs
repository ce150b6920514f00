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

/// Notification rules one person may have at most.
pub const MAX_NOTIFICATION_RULES: i64 = 10;
/// The longest wait a rule may have, in minutes: a page nobody answers for four hours has
/// escalated to others long before.
pub const MAX_RULE_DELAY_MINUTES: i64 = 240;

/// When, after being paged, one contact method is used: "after 5 minutes, by Phone". A person
/// without rules is paged through every contact method at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRule {
    pub id: i64,
    pub contact_method_id: i64,
    /// Minutes after the page reached the person; 0: at once.
    pub delay_minutes: i64,
}

/// The wait a rule form gives, in whole minutes from 0 (at once) to `MAX_RULE_DELAY_MINUTES`.
pub fn parse_rule_delay(text: &str) -> Result<i64, FieldError> {
    let text = text.trim();
    let minutes = if text.is_empty() { Ok(0) } else { text.parse::<i64>() };
    match minutes {
        Ok(minutes) if (0..=MAX_RULE_DELAY_MINUTES).contains(&minutes) => Ok(minutes),
        _ => Err(FieldError::new(
            "delay_minutes",
            format!("Enter the minutes to wait, a whole number from 0 (at once) to {MAX_RULE_DELAY_MINUTES}."),
        )),
    }
}

/// "Immediately", "After 1 minute", "After 5 minutes".
pub fn rule_delay_label(minutes: i64) -> String {
    match minutes {
        0 => "Immediately".to_string(),
        1 => "After 1 minute".to_string(),
        n => format!("After {n} minutes"),
    }
}

/// What a page to one person sends, in order: each contact method with the minutes after the
/// page at which it goes. Without rules, every method at once; with rules, what they say (a
/// method that no rule names is not used for pages), the soonest first.
pub fn page_sends<'a>(methods: &'a [ContactMethod], rules: &[NotificationRule]) -> Vec<(&'a ContactMethod, i64)> {
    if rules.is_empty() {
        return methods.iter().map(|m| (m, 0)).collect();
    }
    let mut sends: Vec<(&ContactMethod, i64)> = rules
        .iter()
        .filter_map(|rule| methods.iter().find(|m| m.id == rule.contact_method_id).map(|m| (m, rule.delay_minutes)))
        .collect();
    sends.sort_by_key(|(method, delay)| (*delay, method.id));
    sends.dedup_by_key(|(method, delay)| (method.id, *delay));
    if sends.is_empty() {
        // Rules that name none of the methods (never stored so, as rules go with their method)
        // must not make a person unreachable.
        return methods.iter().map(|m| (m, 0)).collect();
    }
    sends
}

/// The contact methods pages don't use because rules exist and none names them.
pub fn methods_without_rules<'a>(methods: &'a [ContactMethod], rules: &[NotificationRule]) -> Vec<&'a ContactMethod> {
    if rules.is_empty() {
        return Vec::new();
    }
    methods.iter().filter(|m| !rules.iter().any(|r| r.contact_method_id == m.id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method(id: i64) -> ContactMethod {
        ContactMethod { id, user_id: 1, kind: ContactKind::Email, label: format!("m{id}"), target: format!("m{id}@example.com") }
    }

    fn rule(contact_method_id: i64, delay_minutes: i64) -> NotificationRule {
        NotificationRule { id: contact_method_id * 1000 + delay_minutes, contact_method_id, delay_minutes }
    }

    #[test]
    fn without_rules_a_page_goes_to_every_method_at_once() {
        let methods = [method(1), method(2)];
        let sends: Vec<(i64, i64)> = page_sends(&methods, &[]).into_iter().map(|(m, d)| (m.id, d)).collect();
        assert_eq!(sends, [(1, 0), (2, 0)]);
        assert!(methods_without_rules(&methods, &[]).is_empty());
        assert!(page_sends(&[], &[]).is_empty());
    }

    #[test]
    fn rules_say_which_method_goes_when_soonest_first() {
        let methods = [method(1), method(2), method(3)];
        let rules = [rule(2, 5), rule(1, 0), rule(2, 0), rule(1, 15)];
        let sends: Vec<(i64, i64)> = page_sends(&methods, &rules).into_iter().map(|(m, d)| (m.id, d)).collect();
        assert_eq!(sends, [(1, 0), (2, 0), (2, 5), (1, 15)]);
        let unused: Vec<i64> = methods_without_rules(&methods, &rules).into_iter().map(|m| m.id).collect();
        assert_eq!(unused, [3]);
        // Rules naming no method left: every method at once rather than nobody.
        let sends: Vec<(i64, i64)> = page_sends(&methods[..1], &[rule(9, 5)]).into_iter().map(|(m, d)| (m.id, d)).collect();
        assert_eq!(sends, [(1, 0)]);
    }

    #[test]
    fn a_rule_waits_whole_minutes_up_to_four_hours() {
        assert_eq!(parse_rule_delay(" 5 "), Ok(5));
        assert_eq!(parse_rule_delay(""), Ok(0));
        assert_eq!(parse_rule_delay("240"), Ok(240));
        for bad in ["-1", "241", "2.5", "five", "99999999999999999999"] {
            assert_eq!(parse_rule_delay(bad).unwrap_err().field, "delay_minutes", "{bad}");
        }
        assert_eq!(rule_delay_label(0), "Immediately");
        assert_eq!(rule_delay_label(1), "After 1 minute");
        assert_eq!(rule_delay_label(30), "After 30 minutes");
    }

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
