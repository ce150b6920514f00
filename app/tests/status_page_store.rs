//! The store contract for updates, component states, maintenance windows and what the public
//! status page reads: every test runs on SQLite and on Postgres, each on a fresh database.

#![cfg(feature = "test-support")]

use app::domain::incident::{EventKind, Status};
use app::domain::status_page::ComponentState;
use app::domain::updates::{Audience, ComponentChange};
use app::store::incidents::IncidentChange;
use app::store::status_page::{MaintenanceFields, StatusPageSettings};
use app::store::updates::NewUpdate;
use app::store::{Store, StoreError};
use app::store_contract_tests;
use chrono::{DateTime, Duration, Utc};

mod common;
use common::*;

fn new_update(incident_id: i64, author_id: i64, internal: bool, public: bool, text: &str) -> NewUpdate {
    NewUpdate {
        incident_id,
        status: Status::Investigating,
        audience: Audience { internal, public },
        public_title: if public { format!("Public {text}") } else { String::new() },
        body: text.to_string(),
        body_html: format!("<p>{text}</p>"),
        author_id,
    }
}

async fn publish(store: &Store, update: &NewUpdate, components: &[ComponentChange], at: DateTime<Utc>) -> i64 {
    let event = event(EventKind::UpdatePublished, &update.body, at);
    store.publish_update(update, components, &event, &[], at).await.unwrap().id
}

fn window(title: &str, start: DateTime<Utc>, hours: i64, service_ids: &[i64]) -> MaintenanceFields {
    MaintenanceFields {
        title: title.to_string(),
        message: "Database upgrade".to_string(),
        message_html: "<p>Database upgrade</p>".to_string(),
        starts_at: start,
        ends_at: start + Duration::hours(hours),
        service_ids: service_ids.to_vec(),
    }
}

async fn an_update_writes_its_component_states_and_timeline_event_together(store: Store) {
    let ada = person(&store, "Ada").await;
    let api = public_service(&store, "API", None).await;
    let id = declare(&store, "API errors", ada, 0, &[api], t0()).await;
    let later = t0() + Duration::minutes(5);
    let change = ComponentChange { service_id: api, state: ComponentState::PartialOutage };
    let update_id = publish(&store, &new_update(id, ada, true, true, "We are looking into it"), &[change], later).await;
    let update = store.update(update_id).await.unwrap().unwrap();
    assert_eq!(update.audience, Audience { internal: true, public: true });
    assert_eq!(update.author_name, "Ada");
    assert_eq!(update.published_at, later);
    assert_eq!(store.component_states(&[api]).await.unwrap(), vec![change]);
    let timeline = store.timeline(id, false, None, 10).await.unwrap().events;
    assert_eq!(timeline[0].kind, EventKind::UpdatePublished);
    assert_eq!(store.incident_updates(id, None, 10).await.unwrap().len(), 1);
    assert_eq!(store.count_incident_updates(id).await.unwrap(), 1);
    // A later update sets the state again; the latest wins.
    let fixed = ComponentChange { service_id: api, state: ComponentState::Operational };
    publish(&store, &new_update(id, ada, false, true, "Fixed"), &[fixed], later + Duration::minutes(1)).await;
    assert_eq!(store.component_states(&[api]).await.unwrap(), vec![fixed]);
    let newest_first = store.incident_updates(id, None, 10).await.unwrap();
    assert_eq!(newest_first.iter().map(|u| u.body.as_str()).collect::<Vec<_>>(), ["Fixed", "We are looking into it"]);
    let older = store.incident_updates(id, Some(newest_first[0].id), 10).await.unwrap();
    assert_eq!(older.len(), 1, "paged below the id of the last one shown");
}

async fn internal_updates_drills_and_private_services_never_reach_the_public(store: Store) {
    let ada = person(&store, "Ada").await;
    let api = public_service(&store, "API", None).await;
    let billing = service(&store, "Billing internals").await;
    let internal_only = declare(&store, "Quiet", ada, 1, &[api], t0()).await;
    publish(&store, &new_update(internal_only, ada, true, false, "Internal only"), &[], t0()).await;
    assert!(store.active_public_incidents().await.unwrap().is_empty());
    assert!(store.public_incident(internal_only).await.unwrap().is_none());

    let public = declare(&store, "Loud", ada, 0, &[api, billing], t0()).await;
    publish(&store, &new_update(public, ada, true, false, "Secret detail"), &[], t0()).await;
    publish(&store, &new_update(public, ada, false, true, "Customers see this"), &[], t0() + Duration::minutes(1)).await;
    let shown = store.active_public_incidents().await.unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].public_title, "Public Customers see this");
    assert_eq!(shown[0].updates.iter().map(|u| u.body.as_str()).collect::<Vec<_>>(), ["Customers see this"]);
    assert_eq!(shown[0].components, ["API"], "private services are not named");

    let drill = declare(&store, "Practice", ada, 0, &[api], t0()).await;
    publish(&store, &new_update(drill, ada, false, true, "Drill text"), &[], t0()).await;
    let incident = store.incident(drill).await.unwrap().unwrap();
    let mut change = IncidentChange::from_incident(&incident);
    change.is_drill = true;
    store.update_incident(drill, incident.revision, &change, &[], ada, t0()).await.unwrap();
    assert!(store.public_incident(drill).await.unwrap().is_none());
    assert!(store.latest_public_updates(10).await.unwrap().iter().all(|u| u.incident_id == public));
    assert_eq!(store.public_incident_history(None, 10).await.unwrap().len(), 1);

    let components = store.public_components().await.unwrap();
    assert_eq!(components.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["API"]);

    // Resolving takes it off the active list; its history stays.
    let incident = store.incident(public).await.unwrap().unwrap();
    let mut change = IncidentChange::from_incident(&incident);
    change.status = Status::Resolved;
    store.update_incident(public, incident.revision, &change, &[], ada, t0()).await.unwrap();
    assert!(store.active_public_incidents().await.unwrap().is_empty());
    assert!(store.public_incident(public).await.unwrap().is_some());
}

async fn components_are_grouped_and_their_history_starts_before_the_window(store: Store) {
    let ada = person(&store, "Ada").await;
    let platform = service(&store, "Platform").await;
    let web = public_service(&store, "Web", None).await;
    let api = public_service(&store, "API", Some(platform)).await;
    let components = store.public_components().await.unwrap();
    let listed: Vec<(Option<&str>, &str)> = components.iter().map(|c| (c.group.as_deref(), c.name.as_str())).collect();
    assert_eq!(listed, [(Some("Platform"), "API"), (None, "Web")]);
    assert!(components.iter().all(|c| c.state == ComponentState::Operational));

    let id = declare(&store, "Old outage", ada, 0, &[api], t0()).await;
    for (days_ago, state) in [(100, ComponentState::MajorOutage), (50, ComponentState::Operational), (1, ComponentState::DegradedPerformance)] {
        let at = t0() - Duration::days(days_ago);
        publish(&store, &new_update(id, ada, false, true, "x"), &[ComponentChange { service_id: api, state }], at).await;
    }
    let since = t0() - Duration::days(90);
    let changes = store.component_changes_since(&[api, web], since).await.unwrap();
    let states: Vec<ComponentState> = changes.iter().map(|(_, c)| c.state).collect();
    assert_eq!(
        states,
        [ComponentState::MajorOutage, ComponentState::Operational, ComponentState::DegradedPerformance],
        "the last change before the window says what state it started in"
    );
    assert!(changes.iter().all(|(id, _)| *id == api));
    assert!(changes.windows(2).all(|w| w[0].1.at <= w[1].1.at));
}

async fn maintenance_windows_are_planned_changed_and_cancelled_under_revision_guard(store: Store) {
    let ada = person(&store, "Ada").await;
    let api = public_service(&store, "API", None).await;
    let web = public_service(&store, "Web", None).await;
    let start = t0() + Duration::days(1);
    let id = store.create_maintenance(&window("Upgrade", start, 2, &[api]), ada, t0()).await.unwrap();
    let planned = store.maintenance(id).await.unwrap().unwrap();
    assert_eq!(planned.components, vec![(api, "API".to_string())]);
    let moved = window("Upgrade (moved)", start + Duration::hours(1), 2, &[api, web]);
    store.update_maintenance(id, &moved, planned.revision, t0()).await.unwrap();
    let stale = store.update_maintenance(id, &moved, planned.revision, t0()).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    let changed = store.maintenance(id).await.unwrap().unwrap();
    assert_eq!(changed.title, "Upgrade (moved)");
    assert_eq!(changed.components.len(), 2);

    let other = store.create_maintenance(&window("Past", t0() - Duration::days(3), 1, &[web]), ada, t0()).await.unwrap();
    let upcoming = store.maintenance_since(t0()).await.unwrap();
    assert_eq!(upcoming.iter().map(|w| w.id).collect::<Vec<_>>(), [id], "ended windows are not upcoming");
    assert_eq!(store.maintenance_since(t0() - Duration::days(90)).await.unwrap().len(), 2);

    store.cancel_maintenance(id, changed.revision, t0()).await.unwrap();
    assert!(store.maintenance_since(t0()).await.unwrap().is_empty(), "cancelled windows leave the page");
    let again = store.cancel_maintenance(id, changed.revision, t0()).await;
    assert!(matches!(again, Err(StoreError::Stale)), "{again:?}");
    let app::store::Page { rows: listed, total } = store.list_maintenance(app::store::PageRequest::first(1)).await.unwrap();
    assert_eq!(total, 2);
    assert_eq!(listed[0].id, id, "newest start first");
    assert!(listed[0].cancelled);
    assert_eq!(store.list_maintenance(app::store::PageRequest { limit: 1, offset: 1 }).await.unwrap().rows[0].id, other);
}

async fn templates_and_page_settings_change_only_from_the_revision_shown(store: Store) {
    let templates = store.update_templates().await.unwrap();
    let statuses: Vec<Status> = templates.iter().map(|t| t.status).collect();
    assert_eq!(statuses, [Status::Investigating, Status::Identified, Status::Monitoring, Status::Resolved]);
    let first = &templates[0];
    store.set_update_template(first.status, "Looking into it.", first.revision, t0()).await.unwrap();
    let stale = store.set_update_template(first.status, "Other", first.revision, t0()).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    assert_eq!(store.update_templates().await.unwrap()[0].body, "Looking into it.");

    let settings = store.status_page_settings().await.unwrap();
    let changed = StatusPageSettings { title: "Acme status".into(), logo_text: "Acme".into(), accent_color: "#112233".into(), ..settings.clone() };
    store.set_status_page_settings(&changed, t0()).await.unwrap();
    assert!(matches!(store.set_status_page_settings(&changed, t0()).await, Err(StoreError::Stale)));
    let read = store.status_page_settings().await.unwrap();
    assert_eq!((read.title.as_str(), read.logo_text.as_str(), read.accent_color.as_str()), ("Acme status", "Acme", "#112233"));
}

async fn public_history_pages_by_incident_without_gaps_or_repeats(store: Store) {
    let ada = person(&store, "Ada").await;
    let mut published = Vec::new();
    for n in 0..7 {
        let id = declare(&store, &format!("Incident {n}"), ada, 2, &[], t0()).await;
        if n % 3 != 1 {
            publish(&store, &new_update(id, ada, false, true, &format!("Update {n}")), &[], t0()).await;
            publish(&store, &new_update(id, ada, false, true, "Again"), &[], t0() + Duration::minutes(1)).await;
            published.push(id);
        }
    }
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = store.public_incident_history(before, 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|i| i.id);
        seen.extend(page.iter().map(|i| i.id));
        assert!(page.iter().all(|i| i.updates.len() == 2));
    }
    published.reverse();
    assert_eq!(seen, published);
}

store_contract_tests!(
    an_update_writes_its_component_states_and_timeline_event_together,
    internal_updates_drills_and_private_services_never_reach_the_public,
    components_are_grouped_and_their_history_starts_before_the_window,
    maintenance_windows_are_planned_changed_and_cancelled_under_revision_guard,
    templates_and_page_settings_change_only_from_the_revision_shown,
    public_history_pages_by_incident_without_gaps_or_repeats,
);
