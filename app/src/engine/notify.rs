//! What notifications say (server only): the emails and webhook payloads an update sends, and
//! the public subscription's confirmation email. Bodies are fixed when queued, so a retry sends
//! exactly what the first attempt did. Sending them is the server's delivery worker's job.

use crate::domain::delivery::Channel;
use crate::domain::incident::{reference, Incident};
use crate::domain::schedule::{Schedule, Shift};
use crate::store::notifications::{NewDelivery, Recipients};
use crate::domain::contact::{fill_url_template, ContactKind, ContactMethod};
use crate::store::paging::{PageRecord, ReachablePerson};
use crate::store::updates::NewUpdate;
use chrono::{DateTime, Utc};
use serde_json::json;

/// An update being published, with what its notifications mention.
pub struct UpdateNotice<'a> {
    pub incident: &'a Incident,
    pub update: &'a NewUpdate,
    pub author: &'a str,
    pub published_at: chrono::DateTime<chrono::Utc>,
    /// The address Quell is reached at, for links (no trailing slash).
    pub base_url: &'a str,
}

/// The notifications an update sends: internal updates to subscribers' emails, every update to
/// matching webhooks (the payload says who it was for), public updates to confirmed public
/// subscribers (with an unsubscribe link each).
/// The install secret unsubscribe links are signed with (`auth::unsubscribe_token`).
pub async fn unsubscribe_secret(store: &crate::store::Store) -> Result<String, crate::store::StoreError> {
    store.install_secret("unsubscribe", &crate::auth::new_secret_token()).await
}

pub fn update_deliveries(notice: &UpdateNotice<'_>, recipients: &Recipients, public_subscribers: &[(String, String)]) -> Vec<NewDelivery> {
    let incident = notice.incident;
    let update = notice.update;
    let incident_url = format!("{}/incidents/{}", notice.base_url, incident.id);
    let topic = format!("{} update", reference(incident.id));
    let mut deliveries = Vec::new();
    if update.audience.internal {
        let subject = format!("[{}] {} {}: {}", incident.severity_name, reference(incident.id), update.status.label(), incident.title);
        let body = format!(
            "{}\n\n— {} ({}, {})\n\nOpen the incident: {incident_url}\n\nYou receive this because you subscribed to this incident or to incidents like it in Quell.\n",
            update.body,
            notice.author,
            update.status.label(),
            notice.published_at.format("%Y-%m-%d %H:%M UTC"),
        );
        for (_, address) in &recipients.emails {
            deliveries.push(NewDelivery {
                channel: Channel::Email,
                target: address.clone(),
                webhook_id: None,
                topic: topic.clone(),
                subject: subject.clone(),
                body: body.clone(),
                unsubscribe_url: String::new(),
                page_id: None,
                due_at: None,
            });
        }
    }
    for webhook in &recipients.webhooks {
        let body = if webhook.format == "slack" { slack_payload(notice, &incident_url) } else { json_payload(notice, &incident_url) };
        deliveries.push(NewDelivery {
            channel: Channel::Webhook,
            target: webhook.url.clone(),
            webhook_id: Some(webhook.id),
            topic: topic.clone(),
            subject: String::new(),
            body,
            unsubscribe_url: String::new(),
            page_id: None,
            due_at: None,
        });
    }
    if update.audience.public {
        let page = format!("{}/status/incidents/{}", notice.base_url, incident.id);
        let subject = format!("{}: {}", update.status.label(), update.public_title);
        for (address, token) in public_subscribers {
            let unsubscribe = format!("{}/status/unsubscribe/{token}", notice.base_url);
            deliveries.push(NewDelivery {
                channel: Channel::Email,
                target: address.clone(),
                webhook_id: None,
                topic: format!("{} public update", reference(incident.id)),
                subject: subject.clone(),
                body: format!("{}\n\n{page}\n\nUnsubscribe: {unsubscribe}\n", update.body),
                unsubscribe_url: unsubscribe,
                page_id: None,
                due_at: None,
            });
        }
    }
    deliveries
}

fn json_payload(notice: &UpdateNotice<'_>, incident_url: &str) -> String {
    let (incident, update) = (notice.incident, notice.update);
    let mut audience = Vec::new();
    if update.audience.internal {
        audience.push("internal");
    }
    if update.audience.public {
        audience.push("public");
    }
    json!({
        "event": "update.published",
        "incident": {
            "id": incident.id,
            "reference": reference(incident.id),
            "title": incident.title,
            "severity": incident.severity_name,
            "status": update.status.as_str(),
            "is_drill": incident.is_drill,
            "url": incident_url,
        },
        "update": {
            "audience": audience,
            "status": update.status.as_str(),
            "message": update.body,
            "public_title": (!update.public_title.is_empty()).then_some(&update.public_title),
            "author": notice.author,
            "published_at": notice.published_at.to_rfc3339(),
        },
    })
    .to_string()
}

/// An incoming-webhook message (Slack, Mattermost and others accept `text` with their
/// Markdown-like formatting).
fn slack_payload(notice: &UpdateNotice<'_>, incident_url: &str) -> String {
    let (incident, update) = (notice.incident, notice.update);
    let text = format!(
        "*{} · {} · {}* <{incident_url}|{}>\n{}\n_{}_",
        reference(incident.id),
        incident.severity_name,
        update.status.label(),
        incident.title.replace(['<', '>', '|'], " "),
        update.body,
        notice.author,
    );
    json!({ "text": text }).to_string()
}

/// The email asking a public subscriber to confirm (double opt-in).
pub fn confirmation_delivery(address: &str, token: &str, page_title: &str, base_url: &str) -> NewDelivery {
    NewDelivery {
        channel: Channel::Email,
        target: address.to_string(),
        webhook_id: None,
        topic: "confirm subscription".to_string(),
        subject: format!("Confirm your subscription to {page_title}"),
        body: format!(
            "Someone (hopefully you) asked for updates from {page_title} by email.\n\nConfirm: {base_url}/status/confirm/{token}\n\nIf it wasn't you, ignore this email: nothing will be sent.\n"
        ),
        unsubscribe_url: String::new(),
        page_id: None,
        due_at: None,
    }
}

/// A test notification to one of a person's contact methods: an email, or a JSON post to the
/// URL template filled with the message.
pub fn test_notification(method: &ContactMethod, person: &str, base_url: &str) -> NewDelivery {
    let message = format!("Quell test notification for {person}: this contact method works.");
    let text = format!("{message}\n\nQuell will reach you here when you are paged or your on-call shift is about to start.\n\nContact methods: {base_url}/settings/profile\n");
    to_method(method, "test notification", "Quell test notification", &text, &message, &json!({ "event": "test", "message": message }))
}

/// One message to one contact method: an email with `subject` and `text`, or a JSON post
/// (`payload` plus `text`) to the URL template filled with `short`.
fn to_method(method: &ContactMethod, topic: &str, subject: &str, text: &str, short: &str, payload: &serde_json::Value) -> NewDelivery {
    let (channel, target, subject, body) = match method.kind {
        ContactKind::Email => (Channel::Email, method.target.clone(), subject.to_string(), text.to_string()),
        ContactKind::Webhook => {
            let mut body = payload.clone();
            body["text"] = json!(short);
            (Channel::Webhook, fill_url_template(&method.target, short), String::new(), body.to_string())
        }
    };
    NewDelivery {
        channel,
        target,
        webhook_id: None,
        topic: topic.to_string(),
        subject,
        body,
        unsubscribe_url: String::new(),
        page_id: None,
        due_at: None,
    }
}

/// The same message to every contact method of a person (see `to_method`).
fn to_every_method(person: &ReachablePerson, topic: &str, subject: &str, text: &str, short: &str, payload: serde_json::Value) -> Vec<NewDelivery> {
    person.methods.iter().map(|method| to_method(method, topic, subject, text, short, &payload)).collect()
}

/// A page to one person, with their one-time acknowledgement link: through each contact
/// method when their notification rules say (all at once without rules). The later ones wait
/// in the outbox, where acknowledging the page cancels them.
pub fn page_deliveries(
    page: &PageRecord,
    person: &ReachablePerson,
    ack_link: &str,
    expires: DateTime<Utc>,
    now: DateTime<Utc>,
    base_url: &str,
) -> Vec<NewDelivery> {
    let about = page.incident_id.map(|id| format!(" for {}", reference(id))).unwrap_or_default();
    let topic = format!("page {}{about}", page.id);
    let subject = format!("Page{about}: {}", one_line(&page.message, 80));
    let short = format!("Quell page{about}: {} Acknowledge: {ack_link}", one_line(&page.message, 300));
    let incident_line = page.incident_id.map(|id| format!("Incident: {base_url}/incidents/{id}\n")).unwrap_or_default();
    let text = format!(
        "You are paged ({target}){about}.\n\n{message}\n\nAcknowledge: {ack_link}\n(The link works once, for you only, until {until}.)\n\n{incident_line}",
        target = page.target_name,
        message = page.message,
        until = crate::engine::zone::format_in_zone(expires, &person.time_zone),
    );
    let payload = json!({
        "event": "page",
        "page_id": page.id,
        "incident_id": page.incident_id,
        "message": page.message,
        "acknowledge_url": ack_link,
    });
    crate::domain::contact::page_sends(&person.methods, &person.rules)
        .into_iter()
        .map(|(method, delay)| NewDelivery {
            page_id: Some(page.id),
            due_at: (delay > 0).then(|| now + chrono::Duration::minutes(delay)),
            ..to_method(method, &topic, &subject, &text, &short, &payload)
        })
        .collect()
}

/// The notice that a person's on-call shift is about to start.
pub fn handoff_deliveries(schedule: &Schedule, shift: &Shift, person: &ReachablePerson, now: DateTime<Utc>, base_url: &str) -> Vec<NewDelivery> {
    let starts = crate::engine::zone::format_in_zone(shift.start, &person.time_zone);
    let ends = crate::engine::zone::format_in_zone(shift.end, &person.time_zone);
    let when = crate::domain::incident::relative_time(shift.start, now);
    let short = format!("Quell: your on-call shift for {} starts {when}, at {starts}.", schedule.name);
    let text = format!(
        "Your on-call shift for {} starts {when}: from {starts} to {ends}.\n\nSchedule: {base_url}/on-call/schedules/{}\n",
        schedule.name, schedule.id
    );
    let payload = json!({
        "event": "handoff",
        "schedule_id": schedule.id,
        "schedule": schedule.name,
        "starts_at": shift.start.to_rfc3339(),
        "ends_at": shift.end.to_rfc3339(),
    });
    to_every_method(person, "on-call hand-off", &format!("On call for {} from {starts}", schedule.name), &text, &short, payload)
}

/// A reminder to an action item's owner: due soon, or overdue.
pub fn reminder_deliveries(
    item: &crate::store::action_items::ReminderCandidate,
    kind: crate::domain::action_item::ReminderKind,
    today: chrono::NaiveDate,
    person: &ReachablePerson,
    base_url: &str,
) -> Vec<NewDelivery> {
    use crate::domain::action_item::{due_text, ItemStatus, ReminderKind};
    let when = due_text(ItemStatus::Open, item.due_on, today);
    let title = one_line(&item.title, 120);
    let (topic, subject) = match kind {
        ReminderKind::DueSoon => ("action item due soon", format!("Action item {when}: {title}")),
        ReminderKind::Overdue => ("action item overdue", format!("Action item overdue: {title}")),
    };
    let link = format!("{base_url}/action-items/{}", item.id);
    let short = format!("Quell: your action item \"{title}\" ({}) is {when}. {link}", reference(item.incident_id));
    let text = format!(
        "Your action item from {} is {when} (deadline {}):\n\n{}\n\nOpen it: {link}\nAll your action items: {base_url}/action-items\n",
        reference(item.incident_id),
        item.due_on.format("%Y-%m-%d"),
        item.title,
    );
    let payload = json!({
        "event": kind.as_str(),
        "action_item_id": item.id,
        "incident_id": item.incident_id,
        "title": item.title,
        "due_on": item.due_on.format("%Y-%m-%d").to_string(),
        "url": link,
    });
    to_every_method(person, topic, &subject, &text, &short, payload)
}

/// A post-mortem owner's daily digest of the overdue action items of their post-mortems.
pub fn digest_deliveries(items: &[&crate::store::action_items::DigestCandidate], today: chrono::NaiveDate, person: &ReachablePerson, base_url: &str) -> Vec<NewDelivery> {
    use crate::domain::action_item::{due_text, ItemStatus};
    let count = items.len();
    let subject = format!("{count} overdue action item{} from your post-mortems", if count == 1 { "" } else { "s" });
    let lines: Vec<String> = items
        .iter()
        .map(|i| {
            format!(
                "- {} ({}, {}): {} — {base_url}/action-items/{}",
                one_line(&i.title, 120),
                reference(i.incident_id),
                i.owner_name,
                due_text(ItemStatus::Open, i.due_on, today),
                i.id
            )
        })
        .collect();
    let text = format!("{subject}:\n\n{}\n\nAll overdue items: {base_url}/action-items?all=true&overdue=true\n", lines.join("\n"));
    let short = format!("Quell: {subject}. {base_url}/action-items?all=true&overdue=true");
    let payload = json!({
        "event": "overdue_digest",
        "action_item_ids": items.iter().map(|i| i.id).collect::<Vec<_>>(),
    });
    to_every_method(person, "overdue digest", &subject, &text, &short, payload)
}

/// The first line of `text`, at most `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() <= max {
        line.to_string()
    } else {
        format!("{}…", line.chars().take(max - 1).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::{KeyTimes, Status};
    use crate::domain::updates::Audience;
    use crate::store::notifications::Webhook;
    use chrono::{TimeZone, Utc};

    fn incident() -> Incident {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap();
        Incident {
            id: 42,
            title: "db-3 primary OOM".into(),
            summary: String::new(),
            status: Status::Investigating,
            severity_id: 1,
            severity_name: "SEV1".into(),
            severity_rank: 1,
            incident_type_id: None,
            incident_type_name: None,
            is_drill: false,
            merged_into_id: None,
            key_times: KeyTimes::default(),
            declared_by: 1,
            declared_at: at,
            updated_at: at,
            revision: 1,
        }
    }

    fn update(internal: bool, public: bool) -> NewUpdate {
        NewUpdate {
            incident_id: 42,
            status: Status::Investigating,
            audience: Audience { internal, public },
            public_title: if public { "Payments failing".into() } else { String::new() },
            body: "We are on it.".into(),
            body_html: "<p>We are on it.</p>".into(),
            author_id: 1,
        }
    }

    fn recipients() -> Recipients {
        let hook = |id, format: &str| Webhook {
            id,
            name: format.into(),
            url: format!("http://hooks.example/{format}"),
            format: format.into(),
            secret: String::new(),
            filter: Default::default(),
            active: true,
            revision: 1,
        };
        Recipients { emails: vec![("Ada".into(), "ada@example.com".into())], webhooks: vec![hook(1, "json"), hook(2, "slack")] }
    }

    #[test]
    fn an_internal_update_goes_to_subscribers_and_webhooks_but_not_the_public() {
        let (incident, update) = (incident(), update(true, false));
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 10, 5, 0).unwrap();
        let notice = UpdateNotice { incident: &incident, update: &update, author: "Ada", published_at: at, base_url: "https://q.example" };
        let sent = update_deliveries(&notice, &recipients(), &[("fan@example.org".into(), "tok".into())]);
        let targets: Vec<&str> = sent.iter().map(|d| d.target.as_str()).collect();
        assert_eq!(targets, ["ada@example.com", "http://hooks.example/json", "http://hooks.example/slack"]);
        assert_eq!(sent[0].subject, "[SEV1] INC-42 Investigating: db-3 primary OOM");
        assert!(sent[0].body.contains("https://q.example/incidents/42"));
        let payload: serde_json::Value = serde_json::from_str(&sent[1].body).unwrap();
        assert_eq!(payload["incident"]["reference"], "INC-42");
        assert_eq!(payload["update"]["audience"], json!(["internal"]));
        let slack: serde_json::Value = serde_json::from_str(&sent[2].body).unwrap();
        assert!(slack["text"].as_str().unwrap().starts_with("*INC-42 · SEV1 · Investigating*"));
    }

    #[test]
    fn a_public_update_reaches_public_subscribers_with_their_own_unsubscribe_link() {
        let (incident, update) = (incident(), update(false, true));
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 10, 5, 0).unwrap();
        let notice = UpdateNotice { incident: &incident, update: &update, author: "Ada", published_at: at, base_url: "https://q.example" };
        let no_one = Recipients::default();
        let sent = update_deliveries(&notice, &no_one, &[("fan@example.org".into(), "tok1".into())]);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].subject, "Investigating: Payments failing");
        assert_eq!(sent[0].unsubscribe_url, "https://q.example/status/unsubscribe/tok1");
        assert!(!sent[0].body.contains("db-3"), "the internal title stays internal");
    }
}
