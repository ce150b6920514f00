//! The store contract for post-mortems (templates, sections, edits, factors, review, the
//! workflow, lists and search) and action items (history, lists, overdue): every test runs on
//! SQLite and on Postgres, each on a fresh database.

#![cfg(feature = "test-support")]

use app::domain::action_item::{ItemFields, ItemStatus, Priority};
use app::domain::incident::{EventKind, Status};
use app::domain::post_mortem::{Completion, Decision, FactorCategory, PostMortemStatus};
use app::store::action_items::ItemFilter;
use app::store::incidents::IncidentChange;
use app::store::post_mortems::{MoveError, NewPostMortem, NewSection, PostMortemDetails, PostMortemFilter};
use app::store::{Store, StoreError};
use app::store_contract_tests;
use chrono::{Duration, NaiveDate};

mod common;
use common::*;

async fn resolved_incident(store: &Store, title: &str, by: i64, services: &[i64]) -> i64 {
    let id = declare(store, title, by, 1, services, t0()).await;
    let incident = store.incident(id).await.unwrap().unwrap();
    let mut change = IncidentChange::from_incident(&incident);
    change.status = Status::Resolved;
    change.key_times = incident.key_times.after_transition(Status::Triage, Status::Resolved, t0() + Duration::hours(2), false);
    let events = [event(EventKind::StatusChanged, "resolved", t0() + Duration::hours(2))];
    store.update_incident(id, incident.revision, &change, &events, by, t0() + Duration::hours(2)).await.unwrap();
    id
}

fn section(heading: &str, body: &str) -> NewSection {
    NewSection { heading: heading.into(), guidance: format!("About {heading}"), body: body.into(), body_html: format!("<p>{body}</p>") }
}

async fn start(store: &Store, incident_id: i64, owner: i64, required_approvals: i64) -> i64 {
    let new = NewPostMortem {
        incident_id,
        owner_id: owner,
        created_by: owner,
        required_approvals,
        sections: vec![section("Summary", ""), section("Timeline", "- 09:00 Alert"), section("Root cause", "")],
    };
    store.start_post_mortem(&new, t0() + Duration::days(1)).await.unwrap()
}

fn item(title: &str, owner: i64, due_on: NaiveDate) -> ItemFields {
    ItemFields {
        title: title.into(),
        description: String::new(),
        owner_id: owner,
        due_on,
        priority: Priority::P1,
        status: ItemStatus::Open,
        wont_do_reason: String::new(),
        tracker_url: String::new(),
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

async fn the_default_template_is_seeded_and_templates_are_edited_under_revision(store: Store) {
    let templates = store.post_mortem_templates(10).await.unwrap();
    assert_eq!(templates.len(), 1);
    let default = &templates[0];
    assert!(default.is_default);
    let headings: Vec<String> = app::domain::post_mortem::template_sections(&default.body).into_iter().map(|s| s.heading).collect();
    assert_eq!(headings, ["Summary", "Impact", "Timeline", "Root cause", "Detection", "Response", "Lessons learned"]);
    let short = store.create_post_mortem_template("Short", "## What happened", 0, t0()).await.unwrap();
    let taken = store.create_post_mortem_template("short", "## A", 1, t0()).await;
    assert!(matches!(taken, Err(StoreError::Unique(_))), "{taken:?}");
    store.update_post_mortem_template(short, 1, "Short", "## What happened\n## Why", 2, true, t0()).await.unwrap();
    let stale = store.update_post_mortem_template(short, 1, "Short", "## X", 2, false, t0()).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    let templates = store.post_mortem_templates(10).await.unwrap();
    assert_eq!((templates[0].name.as_str(), templates[0].is_default, templates[1].is_default), ("Short", true, false), "one default at a time");
    let refused = store.delete_post_mortem_template(short, 2).await;
    assert!(matches!(refused, Err(StoreError::Stale)), "the default is not deleted: {refused:?}");
    store.delete_post_mortem_template(templates[1].id, templates[1].revision).await.unwrap();
}

async fn an_incident_has_one_post_mortem_which_takes_its_earlier_action_items(store: Store) {
    let ada = person(&store, "Ada").await;
    let id = resolved_incident(&store, "Checkout down", ada, &[]).await;
    let early = store.create_action_item(id, &item("Add an alert", ada, day(20)), ada, t0()).await.unwrap();
    let pm = start(&store, id, ada, 1).await;
    let again = store.start_post_mortem(&NewPostMortem { incident_id: id, owner_id: ada, created_by: ada, required_approvals: 1, sections: vec![] }, t0()).await;
    assert!(matches!(again, Err(StoreError::Unique(_))), "{again:?}");
    assert_eq!(store.action_item(early).await.unwrap().unwrap().post_mortem_id, Some(pm));
    let later = store.create_action_item(id, &item("Load test", ada, day(21)), ada, t0()).await.unwrap();
    assert_eq!(store.action_item(later).await.unwrap().unwrap().post_mortem_id, Some(pm));
    let loaded = store.post_mortem_of_incident(id).await.unwrap().unwrap();
    assert_eq!((loaded.id, loaded.status, loaded.owner_name.as_str(), loaded.incident_title.as_str()), (pm, PostMortemStatus::Draft, "Ada", "Checkout down"));
    assert!(loaded.key_times.resolved.is_some());
    let sections = store.post_mortem_sections(pm).await.unwrap();
    let headings: Vec<&str> = sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(headings, ["Summary", "Timeline", "Root cause"]);
    assert_eq!(sections[1].body, "- 09:00 Alert");
}

async fn section_edits_are_guarded_by_revision_and_status_and_keep_history(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let id = resolved_incident(&store, "Outage", ada, &[]).await;
    let pm = start(&store, id, ada, 1).await;
    let summary = store.post_mortem_sections(pm).await.unwrap()[0].clone();
    let draft = PostMortemStatus::Draft;
    store.edit_post_mortem_section(pm, summary.id, summary.revision, draft, "First text", "<p>First text</p>", ada, t0()).await.unwrap();
    let stale = store.edit_post_mortem_section(pm, summary.id, summary.revision, draft, "Bob's text", "<p>x</p>", bob, t0()).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "a stale revision is refused: {stale:?}");
    let wrong_status = store.edit_post_mortem_section(pm, summary.id, summary.revision + 1, PostMortemStatus::InReview, "x", "x", bob, t0()).await;
    assert!(matches!(wrong_status, Err(StoreError::Stale)), "the status it was checked against must hold: {wrong_status:?}");
    store.edit_post_mortem_section(pm, summary.id, summary.revision + 1, draft, "Second text", "<p>Second text</p>", bob, t0()).await.unwrap();
    let now = store.post_mortem_sections(pm).await.unwrap()[0].clone();
    assert_eq!((now.body.as_str(), now.revision, now.updated_by_name.as_deref()), ("Second text", summary.revision + 2, Some("Bob")));
    let edits = store.post_mortem_edits(pm, 10).await.unwrap();
    let previous: Vec<(&str, &str, &str)> = edits.iter().map(|e| (e.part.as_str(), e.previous.as_str(), e.edited_by_name.as_str())).collect();
    assert_eq!(previous, [("Summary", "First text", "Bob"), ("Summary", "", "Ada")]);
    let deleted = store.execute_for_test("delete from post_mortem_edits").await;
    assert!(deleted.is_err(), "edit history cannot be deleted");
    // The search text follows the sections.
    let filter = PostMortemFilter { text: Some("second".into()), ..PostMortemFilter::default() };
    assert_eq!(store.list_post_mortems(&filter, app::store::PageRequest::first(10)).await.unwrap().total, 1);
    let filter = PostMortemFilter { text: Some("first".into()), ..PostMortemFilter::default() };
    assert_eq!(store.list_post_mortems(&filter, app::store::PageRequest::first(10)).await.unwrap().total, 0);
}

async fn details_edits_record_each_changed_field(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let id = resolved_incident(&store, "Outage", ada, &[]).await;
    let pm = start(&store, id, ada, 1).await;
    let details = PostMortemDetails { owner_id: bob, users_affected: "About 2,000".into(), financial_impact: String::new(), slos_breached: "Checkout 99.9%".into() };
    store.edit_post_mortem_details(pm, 1, PostMortemStatus::Draft, &details, ada, t0()).await.unwrap();
    let stale = store.edit_post_mortem_details(pm, 1, PostMortemStatus::Draft, &details, ada, t0()).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    let loaded = store.post_mortem(pm).await.unwrap().unwrap();
    assert_eq!((loaded.owner_name.as_str(), loaded.users_affected.as_str(), loaded.revision), ("Bob", "About 2,000", 2));
    let mut parts: Vec<(String, String)> = store.post_mortem_edits(pm, 10).await.unwrap().into_iter().map(|e| (e.part, e.previous)).collect();
    parts.sort();
    assert_eq!(parts, [("Owner".to_string(), "Ada".to_string()), ("SLOs breached".into(), "".into()), ("Users affected".into(), "".into())]);
}

async fn factors_are_added_and_removed_while_the_status_holds(store: Store) {
    let ada = person(&store, "Ada").await;
    let id = resolved_incident(&store, "Outage", ada, &[]).await;
    let pm = start(&store, id, ada, 1).await;
    let draft = PostMortemStatus::Draft;
    let f1 = store.add_contributing_factor(pm, draft, FactorCategory::Technical, "No retry budget", ada, t0()).await.unwrap();
    store.add_contributing_factor(pm, draft, FactorCategory::Process, "Deploys on Friday", ada, t0()).await.unwrap();
    let refused = store.add_contributing_factor(pm, PostMortemStatus::Published, FactorCategory::External, "x", ada, t0()).await;
    assert!(matches!(refused, Err(StoreError::Stale)), "{refused:?}");
    store.remove_contributing_factor(pm, f1, draft, ada, t0()).await.unwrap();
    let factors = store.contributing_factors(pm, 10).await.unwrap();
    assert_eq!(factors.iter().map(|f| (f.category, f.description.as_str())).collect::<Vec<_>>(), [(FactorCategory::Process, "Deploys on Friday")]);
    assert_eq!(store.post_mortem_edits(pm, 10).await.unwrap()[0].previous, "No retry budget");
}

async fn publishing_needs_the_approvals_asked_inside_the_move(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let cy = person(&store, "Cy").await;
    let id = resolved_incident(&store, "Outage", ada, &[]).await;
    let pm = start(&store, id, ada, 2).await;
    use PostMortemStatus::*;
    let refused = store.move_post_mortem(pm, Draft, InReview, ada, "sent", "<p>sent</p>", t0()).await;
    assert!(matches!(refused, Err(MoveError::Refused(ref s)) if s.contains("reviewer")), "{refused:?}");
    store.add_post_mortem_reviewer(pm, bob, ada, t0()).await.unwrap();
    store.add_post_mortem_reviewer(pm, cy, ada, t0()).await.unwrap();
    assert!(matches!(store.add_post_mortem_reviewer(pm, bob, ada, t0()).await, Err(StoreError::Unique(_))));
    let early = store.decide_post_mortem(pm, bob, Decision::Approved, "ok", "<p>ok</p>", t0()).await;
    assert!(matches!(early, Err(StoreError::Stale)), "no decision before review: {early:?}");
    store.move_post_mortem(pm, Draft, InReview, ada, "sent", "<p>sent</p>", t0()).await.unwrap();
    let stale = store.move_post_mortem(pm, Draft, InReview, ada, "sent", "<p>sent</p>", t0()).await;
    assert!(matches!(stale, Err(MoveError::Store(StoreError::Stale))), "{stale:?}");
    store.decide_post_mortem(pm, bob, Decision::Approved, "Looks good", "<p>Looks good</p>", t0()).await.unwrap();
    let not_reviewer = store.decide_post_mortem(pm, ada, Decision::Approved, "mine", "<p>mine</p>", t0()).await;
    assert!(matches!(not_reviewer, Err(StoreError::Stale)), "{not_reviewer:?}");
    let one = store.move_post_mortem(pm, InReview, Published, ada, "published", "<p>published</p>", t0()).await;
    assert!(matches!(one, Err(MoveError::Refused(ref s)) if s == "Publishing needs 2 approvals; it has 1."), "{one:?}");
    store.decide_post_mortem(pm, cy, Decision::ChangesRequested, "Add the detection gap", "<p>Add</p>", t0()).await.unwrap();
    // Back to draft clears the decisions; the second round needs them again.
    store.move_post_mortem(pm, InReview, Draft, ada, "back", "<p>back</p>", t0()).await.unwrap();
    assert!(store.post_mortem_reviewers(pm).await.unwrap().iter().all(|r| r.decision == Decision::Pending));
    store.move_post_mortem(pm, Draft, InReview, ada, "sent", "<p>sent</p>", t0()).await.unwrap();
    store.decide_post_mortem(pm, bob, Decision::Approved, "ok", "<p>ok</p>", t0()).await.unwrap();
    store.decide_post_mortem(pm, cy, Decision::Approved, "ok", "<p>ok</p>", t0()).await.unwrap();
    store.move_post_mortem(pm, InReview, Published, ada, "published", "<p>published</p>", t0() + Duration::hours(1)).await.unwrap();
    let published = store.post_mortem(pm).await.unwrap().unwrap();
    assert_eq!((published.status, published.published_at), (Published, Some(t0() + Duration::hours(1))));
    let kinds: Vec<String> = store.post_mortem_comments(pm, 50).await.unwrap().into_iter().map(|c| c.kind).collect();
    assert_eq!(kinds, ["in_review", "approved", "changes_requested", "draft", "in_review", "approved", "approved", "published"]);
    assert!(matches!(store.add_post_mortem_reviewer(pm, ada, ada, t0()).await, Err(StoreError::Stale)), "no new reviewers once published");
}

async fn the_owners_own_approval_never_counts(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let id = resolved_incident(&store, "Outage", ada, &[]).await;
    let pm = start(&store, id, ada, 1).await;
    use PostMortemStatus::*;
    // Written straight to the store (the server function refuses it): the owner as a reviewer.
    store.add_post_mortem_reviewer(pm, ada, ada, t0()).await.unwrap();
    store.add_post_mortem_reviewer(pm, bob, ada, t0()).await.unwrap();
    store.move_post_mortem(pm, Draft, InReview, ada, "sent", "<p>sent</p>", t0()).await.unwrap();
    store.decide_post_mortem(pm, ada, Decision::Approved, "mine", "<p>mine</p>", t0()).await.unwrap();
    let own = store.move_post_mortem(pm, InReview, Published, ada, "published", "<p>published</p>", t0()).await;
    assert!(matches!(own, Err(MoveError::Refused(ref s)) if s == "Publishing needs 1 approval; it has 0."), "{own:?}");
    store.decide_post_mortem(pm, bob, Decision::Approved, "ok", "<p>ok</p>", t0()).await.unwrap();
    store.move_post_mortem(pm, InReview, Published, ada, "published", "<p>published</p>", t0()).await.unwrap();
}

async fn post_mortems_are_listed_with_filters_and_completion(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let api = service(&store, "API").await;
    let i1 = resolved_incident(&store, "API errors", ada, &[api]).await;
    let i2 = resolved_incident(&store, "Slow search", ada, &[]).await;
    let p1 = start(&store, i1, ada, 1).await;
    let p2 = start(&store, i2, bob, 1).await;
    let a = store.create_action_item(i1, &item("One", ada, day(20)), ada, t0()).await.unwrap();
    store.create_action_item(i1, &item("Two", ada, day(20)), ada, t0()).await.unwrap();
    let mut done = item("One", ada, day(20));
    done.status = ItemStatus::Done;
    store.update_action_item(a, 1, &done, ada, t0()).await.unwrap();
    let all = store.list_post_mortems(&PostMortemFilter::default(), app::store::PageRequest::first(10)).await.unwrap();
    assert_eq!(all.total, 2);
    assert_eq!(all.rows.iter().map(|r| (r.post_mortem.id, r.completion)).collect::<Vec<_>>(),
        [(p2, Completion::default()), (p1, Completion { finished: 1, total: 2 })]);
    let by = |filter: PostMortemFilter| {
        let store = store.clone();
        async move { store.list_post_mortems(&filter, app::store::PageRequest::first(10)).await.unwrap().rows.into_iter().map(|r| r.post_mortem.id).collect::<Vec<_>>() }
    };
    assert_eq!(by(PostMortemFilter { owner_id: Some(bob), ..Default::default() }).await, [p2]);
    assert_eq!(by(PostMortemFilter { service_id: Some(api), ..Default::default() }).await, [p1]);
    assert_eq!(by(PostMortemFilter { status: Some(PostMortemStatus::Published), ..Default::default() }).await, Vec::<i64>::new());
    assert_eq!(by(PostMortemFilter { severity_id: Some(severity_ids(&store).await[1]), ..Default::default() }).await, [p2, p1]);
    assert_eq!(by(PostMortemFilter { created_from: Some(t0() + Duration::days(2)), ..Default::default() }).await, Vec::<i64>::new());
    assert_eq!(by(PostMortemFilter { text: Some("alert".into()), ..Default::default() }).await, [p2, p1], "the timeline section is searched");
    assert_eq!(store.list_post_mortems(&PostMortemFilter::default(), app::store::PageRequest { limit: 1, offset: 1 }).await.unwrap().rows[0].post_mortem.id, p1);
}

async fn every_change_to_an_action_item_is_kept(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let id = resolved_incident(&store, "Outage", ada, &[]).await;
    let item_id = store.create_action_item(id, &item("Add an alert", ada, day(20)), ada, t0()).await.unwrap();
    let mut changed = item("Add an alert", bob, day(25));
    changed.status = ItemStatus::WontDo;
    changed.wont_do_reason = "The service is being retired".into();
    store.update_action_item(item_id, 1, &changed, ada, t0() + Duration::hours(1)).await.unwrap();
    let stale = store.update_action_item(item_id, 1, &changed, bob, t0()).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    let history = store.action_item_changes(item_id, 10).await.unwrap();
    let mut rows: Vec<(String, String, String)> = history.iter().map(|c| (c.field.clone(), c.before.clone(), c.after.clone())).collect();
    rows.sort();
    assert_eq!(rows, [
        ("Created".to_string(), "".to_string(), "Add an alert".to_string()),
        ("Deadline".into(), "2026-03-20".into(), "2026-03-25".into()),
        ("Owner".into(), "Ada".into(), "Bob".into()),
        ("Reason for won't do".into(), "".into(), "The service is being retired".into()),
        ("Status".into(), "Open".into(), "Won't do".into()),
    ]);
    assert!(history.iter().all(|c| c.changed_by_name == "Ada"));
    assert!(store.execute_for_test("delete from action_item_changes").await.is_err(), "history cannot be deleted");
    let check = store.execute_for_test("update action_items set wont_do_reason = ''").await;
    assert!(check.is_err(), "won't do needs a reason in the database too");
}

async fn action_items_are_listed_by_deadline_with_filters_and_overdue(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let api = service(&store, "API").await;
    let i1 = resolved_incident(&store, "API errors", ada, &[api]).await;
    let i2 = resolved_incident(&store, "Slow search", ada, &[]).await;
    let late = store.create_action_item(i1, &item("Late", ada, day(5)), ada, t0()).await.unwrap();
    let soon = store.create_action_item(i2, &item("Soon", ada, day(12)), ada, t0()).await.unwrap();
    let bobs = store.create_action_item(i2, &item("Bob's", bob, day(3)), ada, t0()).await.unwrap();
    let finished = store.create_action_item(i1, &item("Finished", ada, day(1)), ada, t0()).await.unwrap();
    let mut done = item("Finished", ada, day(1));
    done.status = ItemStatus::Done;
    store.update_action_item(finished, 1, &done, ada, t0()).await.unwrap();
    let ids = |filter: ItemFilter| {
        let store = store.clone();
        async move { store.list_action_items(&filter, app::store::PageRequest::first(10)).await.unwrap().rows.into_iter().map(|i| i.id).collect::<Vec<_>>() }
    };
    let unfinished = vec![ItemStatus::Open, ItemStatus::InProgress];
    assert_eq!(ids(ItemFilter { owner_id: Some(ada), statuses: unfinished.clone(), ..Default::default() }).await, [late, soon]);
    assert_eq!(ids(ItemFilter::default()).await, [finished, bobs, late, soon], "soonest deadline first");
    assert_eq!(ids(ItemFilter { overdue_on: Some(day(10)), ..Default::default() }).await, [bobs, late], "done items are never overdue");
    assert_eq!(ids(ItemFilter { overdue_on: Some(day(10)), owner_id: Some(ada), ..Default::default() }).await, [late]);
    assert_eq!(ids(ItemFilter { service_id: Some(api), ..Default::default() }).await, [finished, late]);
    assert_eq!(ids(ItemFilter { incident_id: Some(i2), ..Default::default() }).await, [bobs, soon]);
    assert_eq!(ids(ItemFilter { statuses: vec![ItemStatus::Done], ..Default::default() }).await, [finished]);
    assert_eq!(ids(ItemFilter { priority: Some(Priority::P0), ..Default::default() }).await, Vec::<i64>::new());
    let app::store::Page { rows: page, total } = store.list_action_items(&ItemFilter::default(), app::store::PageRequest { limit: 2, offset: 2 }).await.unwrap();
    assert_eq!((page.iter().map(|i| i.id).collect::<Vec<_>>(), total), (vec![late, soon], 4));
    let mut completions = store.incident_completions(&[i1, i2]).await.unwrap();
    completions.sort_by_key(|(id, _)| *id);
    assert_eq!(completions, [(i1, Completion { finished: 1, total: 2 }), (i2, Completion { finished: 0, total: 2 })]);
}

store_contract_tests!(
    the_owners_own_approval_never_counts,
    the_default_template_is_seeded_and_templates_are_edited_under_revision,
    an_incident_has_one_post_mortem_which_takes_its_earlier_action_items,
    section_edits_are_guarded_by_revision_and_status_and_keep_history,
    details_edits_record_each_changed_field,
    factors_are_added_and_removed_while_the_status_holds,
    publishing_needs_the_approvals_asked_inside_the_move,
    post_mortems_are_listed_with_filters_and_completion,
    every_change_to_an_action_item_is_kept,
    action_items_are_listed_by_deadline_with_filters_and_overdue,
);
