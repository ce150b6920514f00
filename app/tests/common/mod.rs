//! Helpers shared by the store contract suites: people, services and incidents to test with.

#![allow(dead_code)]

use app::domain::incident::EventKind;
use app::domain::permissions::OrgRole;
use app::store::catalog::{ServiceFields, SeverityFields};
use app::store::incidents::{NewEvent, NewIncident};
use app::store::{NewUser, Store};
use chrono::{DateTime, TimeZone, Utc};

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

pub async fn person(store: &Store, name: &str) -> i64 {
    let new = NewUser {
        email: format!("{name}@example.com"),
        display_name: name.to_string(),
        time_zone: "UTC".to_string(),
        role: OrgRole::Responder,
        password_hash: "x".to_string(),
    };
    store.create_user(&new, t0()).await.unwrap().id
}

pub async fn service(store: &Store, name: &str) -> i64 {
    let fields =
        ServiceFields { name: name.into(), description: String::new(), owner_team: String::new(), owner_user_id: None, parent_id: None, public: false };
    store.create_service(&fields, t0()).await.unwrap().id
}

pub fn severity_fields(name: &str, description: &str) -> SeverityFields {
    SeverityFields { name: name.into(), description: description.into(), update_interval_minutes: None, pages_on_declare: false }
}

pub fn event(kind: EventKind, body: &str, at: DateTime<Utc>) -> NewEvent {
    NewEvent { kind, body: body.to_string(), body_html: format!("<p>{body}</p>"), occurred_at: at }
}

pub async fn severity_ids(store: &Store) -> Vec<i64> {
    store.list_severities(app::store::PageRequest::first(10)).await.unwrap().rows.iter().map(|s| s.id).collect()
}

/// Declares an incident at `at` with the given severity index (0 = SEV1) and services.
pub async fn declare(store: &Store, title: &str, declarer: i64, severity: usize, services: &[i64], at: DateTime<Utc>) -> i64 {
    let commander = store.commander_role_type().await.unwrap();
    let new = NewIncident {
        title: title.to_string(),
        summary: format!("Summary of {title}"),
        severity_id: severity_ids(store).await[severity],
        incident_type_id: None,
        is_drill: false,
        service_ids: services.to_vec(),
        commander_id: declarer,
        declared_by: declarer,
        pages: Vec::new(),
        followers: Vec::new(),
    };
    store.declare_incident(&new, &event(EventKind::Declared, "declared", at), commander.id, at).await.unwrap()
}

/// A service shown on the status page.
pub async fn public_service(store: &Store, name: &str, parent_id: Option<i64>) -> i64 {
    let fields = ServiceFields {
        name: name.into(),
        description: format!("{name} for customers"),
        owner_team: String::new(),
        owner_user_id: None,
        parent_id,
        public: true,
    };
    store.create_service(&fields, t0()).await.unwrap().id
}
