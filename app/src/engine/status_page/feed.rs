//! The status page for machines: an Atom feed of public updates (atom_syndication) and a JSON
//! summary of the current state.

use super::{public_time, Snapshot};
use crate::domain::incident::reference;
use crate::domain::text::strip_controls;
use crate::domain::updates::Update;
use crate::store::status_page::StatusPageSettings;
use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
use chrono::{DateTime, Utc};
use serde_json::json;

/// The Atom feed of the newest public updates. `base` is the address the page is reached at
/// (for absolute links), such as `https://status.example.com`.
pub fn atom(settings: &StatusPageSettings, updates: &[Update], base: &str, now: DateTime<Utc>) -> String {
    // XML allows no control characters but tab and newline; text stored before forms dropped
    // them must not break the feed for everyone.
    let text = |value: &str| strip_controls(value, false);
    let link = |href: String, rel: &str| Link { href, rel: rel.to_string(), ..Link::default() };
    let entries: Vec<Entry> = updates
        .iter()
        .map(|update| {
            let page = format!("{base}/status/incidents/{}", update.incident_id);
            Entry {
                id: format!("{page}#update-{}", update.id),
                title: Text::plain(format!("{}: {}", update.status.label(), text(&update.public_title))),
                updated: update.published_at.fixed_offset(),
                published: Some(update.published_at.fixed_offset()),
                links: vec![link(page, "alternate")],
                content: Some(Content {
                    value: Some(format!("<p><small>{}</small></p>{}", public_time(update.published_at), strip_controls(&update.body_html, true))),
                    content_type: Some("html".to_string()),
                    ..Content::default()
                }),
                ..Entry::default()
            }
        })
        .collect();
    let updated = updates.first().map(|u| u.published_at).unwrap_or(now);
    let feed = Feed {
        id: format!("{base}/status"),
        title: Text::plain(text(&settings.title)),
        updated: updated.fixed_offset(),
        authors: vec![Person { name: text(&settings.logo_text), ..Person::default() }],
        links: vec![link(format!("{base}/status"), "alternate"), link(format!("{base}/status/feed.atom"), "self")],
        entries,
        ..Feed::default()
    };
    feed.to_string()
}

/// The current state for machines, shaped like other status pages' summaries: the page, its
/// overall state, components, active incidents with their public updates, and maintenance.
pub fn summary_json(snapshot: &Snapshot, base: &str) -> String {
    let components: Vec<_> = snapshot
        .components
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.name,
                "description": c.description,
                "group": c.group,
                "status": c.state.as_str(),
                "uptime_90_days": c.uptime.map(|u| (u * 100.0).floor() / 100.0),
            })
        })
        .collect();
    let incidents: Vec<_> = snapshot
        .incidents
        .iter()
        .map(|incident| {
            json!({
                "id": reference(incident.id),
                "name": incident.public_title,
                "status": incident.status.as_str(),
                "url": format!("{base}/status/incidents/{}", incident.id),
                "components": incident.components,
                "updates": incident.updates.iter().map(|u| json!({
                    "status": u.status.as_str(),
                    "body": u.body,
                    "created_at": u.published_at.to_rfc3339(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let maintenance: Vec<_> = snapshot
        .maintenance
        .iter()
        .map(|(window, phase)| {
            json!({
                "id": window.id,
                "name": window.title,
                "status": match phase {
                    crate::domain::status_page::MaintenancePhase::Upcoming => "scheduled",
                    crate::domain::status_page::MaintenancePhase::InProgress => "in_progress",
                    crate::domain::status_page::MaintenancePhase::Completed => "completed",
                },
                "scheduled_for": window.starts_at.to_rfc3339(),
                "scheduled_until": window.ends_at.to_rfc3339(),
                "message": window.message,
                "components": window.components.iter().map(|(_, name)| name).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "page": {
            "name": snapshot.settings.title,
            "url": format!("{base}/status"),
            "updated_at": snapshot.now.to_rfc3339(),
        },
        "status": {
            "indicator": snapshot.overall.as_str(),
            "description": crate::domain::status_page::headline(snapshot.overall),
        },
        "components": components,
        "incidents": incidents,
        "scheduled_maintenances": maintenance,
    })
    .to_string()
}
