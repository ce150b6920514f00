//! The store contract for the incident catalog, incidents, roles and timelines: every test runs
//! on SQLite and on Postgres, each on a fresh database.

#![cfg(feature = "test-support")]

use app::domain::incident::{EventKind, KeyTimes, Status};
use app::store::catalog::{RoleTypeFields, ServiceFields};
use app::store::incidents::{IncidentChange, IncidentFilter, IncidentSort};
use app::store::{Store, Refusal, StoreError};
use app::store_contract_tests;
use chrono::Duration;

mod common;
use common::*;

async fn the_catalog_is_seeded(store: Store) {
    let severities = store.list_severities(app::store::PageRequest::first(10)).await.unwrap();
    let names: Vec<&str> = severities.rows.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["SEV1", "SEV2", "SEV3", "SEV4"]);
    assert!(severities.rows.iter().all(|s| !s.description.is_empty()));
    let roles = store.list_role_types(app::store::PageRequest::first(10)).await.unwrap();
    let names: Vec<&str> = roles.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Incident Commander", "Communications Lead", "Scribe", "Operations Lead"]);
    assert!(roles.rows.iter().all(|r| r.checklist.len() >= 3), "every seeded role has a checklist");
    assert!(store.commander_role_type().await.unwrap().is_commander);
}

async fn severities_are_edited_and_reordered_under_revision_guard(store: Store) {
    let sev5 = store.create_severity(&severity_fields("SEV5", "Cosmetic"), t0()).await.unwrap();
    assert_eq!(sev5.rank, 5);
    let renamed = store.update_severity(sev5.id, &severity_fields("SEV5", "Cosmetic only"), sev5.revision, t0()).await.unwrap();
    let stale = store.update_severity(sev5.id, &severity_fields("SEV5", "Other"), sev5.revision, t0()).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    let taken = store.create_severity(&severity_fields("sev1", ""), t0()).await;
    assert!(matches!(taken, Err(StoreError::Unique(_))), "names are unique whatever their case: {taken:?}");
    store.move_severity(renamed.id, true, renamed.revision, t0()).await.unwrap();
    let names: Vec<String> = store.list_severities(app::store::PageRequest::first(10)).await.unwrap().rows.into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["SEV1", "SEV2", "SEV3", "SEV5", "SEV4"]);
}

async fn a_service_cannot_become_its_own_ancestor(store: Store) {
    let platform = service(&store, "Platform").await;
    let mut api_fields =
        ServiceFields { name: "API".into(), description: "Public API".into(), owner_team: "Core".into(), owner_user_id: None, parent_id: Some(platform), public: false };
    let api = store.create_service(&api_fields, t0()).await.unwrap();
    assert_eq!(api.parent_name.as_deref(), Some("Platform"));
    let platform_row = store.service(platform).await.unwrap().unwrap();
    let cycle = ServiceFields { parent_id: Some(api.id), ..ServiceFields {
        name: "Platform".into(), description: String::new(), owner_team: String::new(), owner_user_id: None, parent_id: None, public: false } };
    let refused = store.update_service(platform, &cycle, platform_row.revision, t0()).await;
    assert!(matches!(refused, Err(StoreError::Refused(Refusal::ServiceParentCycle))), "{refused:?}");
    api_fields.parent_id = Some(api.id);
    let own_parent = store.update_service(api.id, &api_fields, api.revision, t0()).await;
    assert!(matches!(own_parent, Err(StoreError::Refused(Refusal::ServiceParentCycle))), "{own_parent:?}");
}

async fn the_commander_role_type_cannot_be_retired(store: Store) {
    let commander = store.commander_role_type().await.unwrap();
    let fields = RoleTypeFields { name: commander.name.clone(), description: commander.description.clone(), checklist: commander.checklist.clone(), retired: true };
    let refused = store.update_role_type(commander.id, &fields, commander.revision, t0()).await;
    assert!(matches!(refused, Err(StoreError::Refused(Refusal::CommanderRetired))), "{refused:?}");
    let custom = store
        .create_role_type(&RoleTypeFields { name: "Customer Liaison".into(), description: "Talks to key accounts".into(), checklist: vec!["Call the account manager".into()], retired: false }, t0())
        .await
        .unwrap();
    let retired = store.update_role_type(custom.id, &RoleTypeFields { retired: true, ..fields_of(&custom) }, custom.revision, t0()).await.unwrap();
    assert!(retired.retired);
}

fn fields_of(role: &app::domain::catalog::RoleType) -> RoleTypeFields {
    RoleTypeFields { name: role.name.clone(), description: role.description.clone(), checklist: role.checklist.clone(), retired: role.retired }
}

async fn declaring_writes_the_incident_its_services_commander_and_first_event(store: Store) {
    let ada = person(&store, "Ada").await;
    let api = service(&store, "API").await;
    let db = service(&store, "Database").await;
    let id = declare(&store, "Checkout failing", ada, 0, &[db, api], t0()).await;
    let detail = store.incident_detail(id).await.unwrap().unwrap();
    assert_eq!(detail.incident.status, Status::Triage);
    assert_eq!(detail.incident.severity_name, "SEV1");
    assert_eq!(detail.incident.key_times.started, Some(t0()));
    assert_eq!(detail.incident.key_times.detected, Some(t0()));
    assert_eq!(detail.incident.reference(), format!("INC-{id}"));
    let services: Vec<&str> = detail.services.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(services, ["API", "Database"]);
    assert_eq!(detail.roles.len(), 1);
    assert_eq!((detail.roles[0].user_id, detail.roles[0].user_name.as_str()), (ada, "Ada"));
    let timeline = store.timeline(id, false, None, 10).await.unwrap();
    assert_eq!(timeline.events.len(), 1);
    assert_eq!(timeline.events[0].kind, EventKind::Declared);
    assert_eq!(timeline.events[0].actor_name.as_deref(), Some("Ada"));
}

async fn an_incident_update_from_a_stale_revision_is_refused_and_writes_nothing(store: Store) {
    let ada = person(&store, "Ada").await;
    let id = declare(&store, "Slow search", ada, 2, &[], t0()).await;
    let incident = store.incident(id).await.unwrap().unwrap();
    let mut change = IncidentChange::from_incident(&incident);
    change.status = Status::Investigating;
    change.key_times = incident.key_times.after_transition(Status::Triage, Status::Investigating, t0() + Duration::minutes(5), false);
    let events = [event(EventKind::StatusChanged, "triage → investigating", t0())];
    let updated = store.update_incident(id, incident.revision, &change, &events, ada, t0()).await.unwrap();
    assert_eq!(updated.status, Status::Investigating);
    assert_eq!(updated.revision, incident.revision + 1);
    assert_eq!(updated.key_times.acknowledged, Some(t0() + Duration::minutes(5)));

    change.status = Status::Resolved;
    let stale = store.update_incident(id, incident.revision, &change, &events, ada, t0()).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    assert_eq!(store.incident(id).await.unwrap().unwrap().status, Status::Investigating);
    assert_eq!(store.timeline(id, false, None, 10).await.unwrap().events.len(), 2, "the refused change wrote no event");
    let missing = store.update_incident(id + 1000, 1, &change, &events, ada, t0()).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
}

async fn services_are_replaced_with_an_update(store: Store) {
    let ada = person(&store, "Ada").await;
    let (api, db) = (service(&store, "API").await, service(&store, "Database").await);
    let id = declare(&store, "Errors", ada, 1, &[api], t0()).await;
    let incident = store.incident(id).await.unwrap().unwrap();
    let mut change = IncidentChange::from_incident(&incident);
    change.service_ids = Some(vec![db]);
    change.key_times = KeyTimes { mitigated: Some(t0()), ..incident.key_times };
    store.update_incident(id, incident.revision, &change, &[], ada, t0()).await.unwrap();
    let detail = store.incident_detail(id).await.unwrap().unwrap();
    assert_eq!(detail.services, vec![(db, "Database".to_string())]);
    assert_eq!(detail.incident.key_times.mitigated, Some(t0()));
}

async fn incidents_are_filtered_and_paged_by_keyset(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let api = service(&store, "API").await;
    let mut ids = Vec::new();
    for n in 0..7 {
        let declarer = if n % 2 == 0 { ada } else { bob };
        let services = if n < 3 { vec![api] } else { vec![] };
        ids.push(declare(&store, &format!("Incident number {n}"), declarer, n % 4, &services, t0() + Duration::days(n as i64)).await);
    }
    // Newest first, three at a time, every incident exactly once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.list_incidents(&IncidentFilter::default(), IncidentSort::Newest, cursor.as_deref(), 3, true).await.unwrap();
        assert_eq!(page.total, 7);
        seen.extend(page.rows.iter().map(|r| r.incident.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    // Most severe first across pages, newest first within a severity.
    let mut by_severity = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.list_incidents(&IncidentFilter::default(), IncidentSort::Severity, cursor.as_deref(), 2, true).await.unwrap();
        by_severity.extend(page.rows.iter().map(|r| (r.incident.severity_rank, r.incident.id)));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut expected: Vec<(i64, i64)> = ids.iter().enumerate().map(|(n, id)| ((n % 4) as i64 + 1, *id)).collect();
    expected.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    assert_eq!(by_severity, expected);

    let count = |filter: IncidentFilter| {
        let store = store.clone();
        async move { store.list_incidents(&filter, IncidentSort::Oldest, None, 50, true).await.unwrap() }
    };
    assert_eq!(count(IncidentFilter { service_id: Some(api), ..Default::default() }).await.total, 3);
    assert_eq!(count(IncidentFilter { role_holder: Some(bob), ..Default::default() }).await.total, 3);
    let sev1 = severity_ids(&store).await[0];
    let sev1_page = count(IncidentFilter { severity_id: Some(sev1), ..Default::default() }).await;
    assert_eq!(sev1_page.rows.iter().map(|r| r.incident.id).collect::<Vec<_>>(), vec![ids[0], ids[4]]);
    assert_eq!(sev1_page.rows[0].services, vec!["API".to_string()]);
    assert_eq!(sev1_page.rows[0].commander.as_deref(), Some("Ada"));
    assert_eq!(count(IncidentFilter { text: Some("number 5".into()), ..Default::default() }).await.total, 1);
    assert_eq!(count(IncidentFilter { text: Some("SUMMARY OF INCIDENT".into()), ..Default::default() }).await.total, 7);
    assert_eq!(count(IncidentFilter { text: Some("Summary of Incident number 3".into()), ..Default::default() }).await.total, 1);
    assert_eq!(count(IncidentFilter { text: Some("100%".into()), ..Default::default() }).await.total, 0, "% is not a wildcard");
    assert_eq!(count(IncidentFilter { text: Some("numb".into()), ..Default::default() }).await.total, 7, "words match by their start");
    assert_eq!(count(IncidentFilter { text: Some("%_'\"*:&|!()".into()), ..Default::default() }).await.total, 0, "punctuation alone finds nothing");
    // A renamed incident is found by its new words only.
    let renamed = store.incident(ids[6]).await.unwrap().unwrap();
    let mut change = IncidentChange::from_incident(&renamed);
    change.title = "Database failover stuck".into();
    change.summary = "Replica promotion hung".into();
    store.update_incident(ids[6], renamed.revision, &change, &[], ada, t0()).await.unwrap();
    assert_eq!(count(IncidentFilter { text: Some("failover".into()), ..Default::default() }).await.rows[0].incident.id, ids[6]);
    assert_eq!(count(IncidentFilter { text: Some("number 6".into()), ..Default::default() }).await.total, 0);
    assert_eq!(count(IncidentFilter { text: Some(format!("INC-{}", ids[2])), ..Default::default() }).await.rows[0].incident.id, ids[2]);
    let window = IncidentFilter { declared_from: Some(t0() + Duration::days(2)), declared_before: Some(t0() + Duration::days(4)), ..Default::default() };
    assert_eq!(count(window).await.rows.iter().map(|r| r.incident.id).collect::<Vec<_>>(), vec![ids[2], ids[3]]);
    assert_eq!(count(IncidentFilter { drill: Some(true), ..Default::default() }).await.total, 0);

    // Counts per status ignore the status filter, so the tabs show what each would give.
    let incident = store.incident(ids[0]).await.unwrap().unwrap();
    let mut change = IncidentChange::from_incident(&incident);
    change.status = Status::Resolved;
    store.update_incident(ids[0], incident.revision, &change, &[], ada, t0()).await.unwrap();
    let open = count(IncidentFilter { statuses: Status::OPEN.to_vec(), ..Default::default() }).await;
    assert_eq!(open.total, 6);
    let resolved = open.status_counts.iter().find(|(s, _)| *s == Status::Resolved).unwrap().1;
    let triage = open.status_counts.iter().find(|(s, _)| *s == Status::Triage).unwrap().1;
    assert_eq!((resolved, triage), (1, 6));
    let open_only = IncidentFilter { statuses: Status::OPEN.to_vec(), ..Default::default() };
    assert_eq!(store.count_incidents(&open_only).await.unwrap(), 6);
    let uncounted = store.list_incidents(&open_only, IncidentSort::Severity, None, 2, false).await.unwrap();
    assert_eq!(uncounted.rows.len(), 2);
    assert!(uncounted.status_counts.iter().all(|(_, n)| *n == 0));
}

async fn roles_change_only_from_the_holder_the_page_showed(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let cyd = person(&store, "Cyd").await;
    let id = declare(&store, "Outage", ada, 0, &[], t0()).await;
    let roles = store.list_role_types(app::store::PageRequest::first(10)).await.unwrap().rows;
    let (commander, scribe) = (roles[0].id, roles[2].id);
    let assigned = event(EventKind::RoleAssigned, "assigned", t0());
    store.assign_role(id, scribe, bob, None, &assigned, ada, t0()).await.unwrap();
    let raced = store.assign_role(id, scribe, cyd, None, &assigned, ada, t0()).await;
    assert!(matches!(raced, Err(StoreError::Stale)), "a second first assignment is a conflict: {raced:?}");
    store.assign_role(id, scribe, cyd, Some(bob), &assigned, ada, t0()).await.unwrap();
    let stale = store.assign_role(id, scribe, ada, Some(bob), &assigned, ada, t0()).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    // One person may hold several roles.
    store.assign_role(id, commander, cyd, Some(ada), &assigned, ada, t0()).await.unwrap();
    let removed = event(EventKind::RoleUnassigned, "removed", t0());
    let refused = store.unassign_role(id, commander, cyd, &removed, ada, t0()).await;
    assert!(matches!(refused, Err(StoreError::Refused(Refusal::CommanderRequired))), "{refused:?}");
    store.unassign_role(id, scribe, cyd, &removed, ada, t0()).await.unwrap();
    let detail = store.incident_detail(id).await.unwrap().unwrap();
    assert_eq!(detail.roles.iter().map(|r| (r.role_type_id, r.user_id)).collect::<Vec<_>>(), vec![(commander, cyd)]);
    let kinds: Vec<EventKind> = store.timeline(id, false, None, 20).await.unwrap().events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds.iter().filter(|k| **k == EventKind::RoleAssigned).count(), 3, "only successful changes are recorded");
    assert_eq!(kinds.iter().filter(|k| **k == EventKind::RoleUnassigned).count(), 1);
}

async fn checklist_ticks_are_recorded_once(store: Store) {
    let ada = person(&store, "Ada").await;
    let id = declare(&store, "Outage", ada, 0, &[], t0()).await;
    let commander = store.commander_role_type().await.unwrap();
    let item = commander.checklist[0].clone();
    let ticked = event(EventKind::ChecklistTicked, "ticked", t0());
    assert!(store.set_checklist_item(id, commander.id, &item, true, &ticked, ada, t0()).await.unwrap());
    assert!(!store.set_checklist_item(id, commander.id, &item, true, &ticked, ada, t0()).await.unwrap());
    assert_eq!(store.incident_detail(id).await.unwrap().unwrap().ticks.len(), 1);
    assert!(store.set_checklist_item(id, commander.id, &item, false, &event(EventKind::ChecklistUnticked, "unticked", t0()), ada, t0()).await.unwrap());
    assert!(store.incident_detail(id).await.unwrap().unwrap().ticks.is_empty());
    assert_eq!(store.timeline(id, false, None, 20).await.unwrap().events.len(), 3, "declared, ticked, unticked");
}

async fn notes_are_backdated_ordered_pinned_and_edited_with_history(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let id = declare(&store, "Outage", ada, 0, &[], t0()).await;
    let later = store.add_note(id, &event(EventKind::Note, "Rolled back", t0() + Duration::minutes(30)), ada, t0() + Duration::minutes(31)).await.unwrap();
    let early = store.add_note(id, &event(EventKind::Note, "Alerts fired", t0() - Duration::minutes(10)), bob, t0() + Duration::minutes(32)).await.unwrap();
    let order: Vec<i64> = store.timeline(id, false, None, 10).await.unwrap().events.iter().map(|e| e.id).collect();
    assert_eq!(order[0], later.id, "newest first by when it happened");
    assert_eq!(order[2], early.id, "the backdated note sorts before the declaration");

    store.set_event_pinned(early.id, true).await.unwrap();
    let pinned = store.timeline(id, true, None, 10).await.unwrap();
    assert_eq!(pinned.events.iter().map(|e| e.id).collect::<Vec<_>>(), vec![early.id]);

    let edited = store.edit_note(later.id, later.revision, ada, "Rolled back v2.3", "<p>Rolled back v2.3</p>", later.occurred_at, t0() + Duration::hours(1)).await.unwrap();
    assert_eq!(edited.body, "Rolled back v2.3");
    assert_eq!(edited.edited_at, Some(t0() + Duration::hours(1)));
    let history = store.note_edits(later.id, 10).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].previous_body.as_str(), history[0].edited_by.as_str()), ("Rolled back", "Ada"));
    let stale = store.edit_note(later.id, later.revision, ada, "Other", "<p>Other</p>", later.occurred_at, t0()).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    let not_author = store.edit_note(later.id, edited.revision, bob, "Mine now", "<p>x</p>", later.occurred_at, t0()).await;
    assert!(matches!(not_author, Err(StoreError::Refused(Refusal::NotNoteAuthor))), "{not_author:?}");
    let declared = store.timeline(id, false, None, 10).await.unwrap().events.into_iter().find(|e| e.kind == EventKind::Declared).unwrap();
    let automatic = store.edit_note(declared.id, declared.revision, ada, "rewritten", "<p>x</p>", t0(), t0()).await;
    assert!(matches!(automatic, Err(StoreError::Refused(Refusal::NotNoteAuthor))), "automatic events can't be edited: {automatic:?}");
}

async fn timelines_page_by_keyset_without_gaps_or_repeats(store: Store) {
    let ada = person(&store, "Ada").await;
    let id = declare(&store, "Outage", ada, 0, &[], t0()).await;
    // Several notes share a time, so the id breaks ties.
    for n in 0..9 {
        let at = t0() + Duration::minutes(n / 3);
        store.add_note(id, &event(EventKind::Note, &format!("note {n}"), at), ada, t0()).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut older = None;
    loop {
        let page = store.timeline(id, false, older, 4).await.unwrap();
        seen.extend(page.events.iter().map(|e| (e.occurred_at, e.id)));
        match page.older {
            Some(cursor) => older = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen.len(), 10);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted);
}

async fn timeline_events_cannot_be_deleted(store: Store) {
    let ada = person(&store, "Ada").await;
    let id = declare(&store, "Outage", ada, 0, &[], t0()).await;
    let deleted = store.execute_for_test("delete from timeline_events").await;
    assert!(deleted.is_err(), "the database refuses to delete the audit trail");
    assert_eq!(store.timeline(id, false, None, 10).await.unwrap().events.len(), 1);
}

store_contract_tests!(
    the_catalog_is_seeded,
    severities_are_edited_and_reordered_under_revision_guard,
    a_service_cannot_become_its_own_ancestor,
    the_commander_role_type_cannot_be_retired,
    declaring_writes_the_incident_its_services_commander_and_first_event,
    an_incident_update_from_a_stale_revision_is_refused_and_writes_nothing,
    services_are_replaced_with_an_update,
    incidents_are_filtered_and_paged_by_keyset,
    roles_change_only_from_the_holder_the_page_showed,
    checklist_ticks_are_recorded_once,
    notes_are_backdated_ordered_pinned_and_edited_with_history,
    timelines_page_by_keyset_without_gaps_or_repeats,
    timeline_events_cannot_be_deleted,
);
