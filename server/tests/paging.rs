//! Escalation policies and pages over HTTP, on SQLite and on Postgres, with a manual clock and
//! assertions on the outbox: level 2 is paged after level 1's delay, acknowledging (through the
//! one-time link, signed out) stops it, a restart in the middle neither loses nor repeats a
//! step, two instances take each step once, resolving the incident stops paging, and hand-off
//! notices go out once before a shift.

mod support;

use app::domain::delivery::Channel;
use app::store::notifications::Delivery;
use chrono::Duration;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use support::*;

/// Every delivery in the outbox, oldest first.
async fn outbox(app: &TestApp) -> Vec<Delivery> {
    let mut rows = app.db.store.list_deliveries(None, app::store::PageRequest::first(1000)).await.unwrap().0.rows;
    rows.reverse();
    rows
}

/// The outbox once it holds at least `n` deliveries (the on-call worker runs on its own).
async fn wait_for_outbox(app: &TestApp, n: usize) -> Vec<Delivery> {
    for _ in 0..200 {
        let rows = outbox(app).await;
        if rows.len() >= n {
            return rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the outbox never held {n} deliveries: {:?}", outbox(app).await);
}


fn sent_to<'a>(rows: &'a [Delivery], target: &str) -> Vec<&'a Delivery> {
    rows.iter().filter(|d| d.target.starts_with(target)).collect()
}

async fn ok(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{what}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn id_of(path: &Value) -> String {
    path.as_str().unwrap().rsplit('/').next().unwrap().to_string()
}

/// A person who can be paged: a responder with one webhook contact method at `hook`.
/// A responder named after their email ("ada@…" is Ada) who is reached by a webhook at `hook`.
async fn pager(app: &TestApp, admin: &Client, email: &str, hook: &str) -> (Client, String) {
    let local = email.split('@').next().unwrap_or(email);
    let name = format!("{}{}", local[..1].to_uppercase(), &local[1..]);
    let client = app.signed_in_as_named(admin, email, &name, "responder").await;
    let me: Value = app.post(&client, "/api/session", &[]).await.json().await.unwrap();
    let id = me["user"]["id"].as_i64().expect("own id").to_string();
    let target = format!("{hook}?who={email}&text={{message}}");
    app.reach_only_by_webhook(&client, &target).await;
    (client, id)
}

/// A schedule where `person` is on call all the time.
async fn schedule_of(app: &TestApp, admin: &Client, name: &str, person: &str) -> String {
    let created = ok(app.post(admin, "/api/schedules/create", &[("name", name), ("time_zone", "UTC"), ("handoff_notice_minutes", "0")]).await, "schedule").await;
    let id = id_of(&created);
    let start = (app.clock_now() - Duration::days(3)).format("%Y-%m-%d").to_string();
    let form = [
        ("schedule_id", id.as_str()),
        ("revision", "1"),
        ("layer_id", "0"),
        ("name", "Primary"),
        ("shift_count", "1"),
        ("shift_unit", "weeks"),
        ("handoff_time", "00:00"),
        ("start_date", start.as_str()),
        ("participants[0]", person),
    ];
    ok(app.post(admin, "/api/schedules/layers/save", &form).await, "layer").await;
    id
}

/// A policy: level 1 pages the schedule and waits 5 minutes; level 2 pages `second` and waits 10.
async fn two_level_policy(app: &TestApp, admin: &Client, schedule: &str, second: &str) -> String {
    let created = ok(
        app.post(admin, "/api/policies/create", &[("name", "Payments"), ("repeats", "0"), ("schedule_ids[0]", schedule), ("delay_minutes", "5")]).await,
        "policy",
    )
    .await;
    let id = id_of(&created);
    ok(app.post(admin, "/api/policies/save-level", &[("policy_id", &id), ("revision", "1"), ("level", "0"), ("user_ids[0]", second), ("delay_minutes", "10")]).await, "level 2")
        .await;
    id
}

/// A service paging through `policy`.
async fn service_with(app: &TestApp, admin: &Client, policy: &str) -> String {
    let service: Value = ok(
        app.post(admin, "/api/services/create", &[("name", "Checkout"), ("description", ""), ("owner_team", ""), ("owner_user_id", "0"), ("parent_id", "0")]).await,
        "service",
    )
    .await;
    let id = service["id"].as_i64().unwrap().to_string();
    ok(app.post(admin, "/api/policies/set-service", &[("service_id", &id), ("policy_id", policy)]).await, "set policy").await;
    id
}

/// The one-time link in a webhook page.
fn ack_link(delivery: &Delivery) -> String {
    let body: Value = serde_json::from_str(&delivery.body).unwrap();
    body["acknowledge_url"].as_str().expect("a link in the page").to_string()
}

fn timeline_text(incident: &Value) -> String {
    let events = incident["timeline"].as_array().expect("a timeline");
    events.iter().map(|e| e["event"]["body"].as_str().unwrap_or("").to_string()).collect::<Vec<_>>().join("\n")
}

async fn a_page_escalates_after_the_delay_and_stops_when_acknowledged_by_link(app: &TestApp) {
    let admin = app.admin().await;
    let (_ada, ada_id) = pager(app, &admin, "ada@example.com", "http://127.0.0.1:9/ada").await;
    let (_bob, bob_id) = pager(app, &admin, "bob@example.com", "http://127.0.0.1:9/bob").await;
    let schedule = schedule_of(app, &admin, "Primary", &ada_id).await;
    let policy = two_level_policy(app, &admin, &schedule, &bob_id).await;
    let service = service_with(app, &admin, &policy).await;
    let incident = app.declare_incident(&admin, "Checkout down", &[("service_ids[0]", &service)]).await;

    let opened = app.post(&admin, "/api/pages/open", &[("incident_id", &incident.to_string()), ("target", &format!("service:{service}")), ("message", "Checkout returns 500s")]).await;
    ok(opened, "page").await;
    let first = wait_for_outbox(app, 1).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].channel, Channel::Webhook);
    assert!(first[0].target.starts_with("http://127.0.0.1:9/ada?who=ada@example.com&text=Quell%20page"), "{}", first[0].target);
    assert!(first[0].body.contains("Checkout returns 500s"));

    // Level 1 waits five minutes: not a moment before, level 2 is quiet.
    app.clock.advance(Duration::minutes(5) - Duration::seconds(2));
    app.look_on_call().await;
    assert_eq!(outbox(app).await.len(), 1, "level 2 waits for the delay");
    app.clock.advance(Duration::seconds(3));
    let second = wait_for_outbox(app, 2).await;
    assert_eq!(sent_to(&second, "http://127.0.0.1:9/bob").len(), 1, "level 2 is paged after the delay");
    app.look_on_call().await;
    assert_eq!(outbox(app).await.len(), 2, "each step once");

    // Bob acknowledges through his link, signed out.
    let link = ack_link(sent_to(&second, "http://127.0.0.1:9/bob")[0]);
    let path = link.strip_prefix(&app.address).expect("the link points at this server").to_string();
    let anonymous = client();
    let shown = app.get(&anonymous, &path).await;
    assert_eq!(shown.status(), StatusCode::OK);
    assert!(shown.headers().get("set-cookie").is_none(), "no session for a link");
    let html = shown.text().await.unwrap();
    assert!(html.contains("Checkout returns 500s") && html.contains("Acknowledge"), "{html}");
    assert_eq!(outbox(app).await.len(), 2);
    app.clock.advance(Duration::minutes(2));
    let acked = app.post(&anonymous, &path, &[]).await;
    assert_eq!(acked.status(), StatusCode::OK);
    assert!(acked.text().await.unwrap().contains("the page is acknowledged"));
    let again = app.post(&anonymous, &path, &[]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND, "a link works once");
    // Ada's link is for Ada: it does not exist as Bob's, and the page is over anyway.
    let ada_path = ack_link(&first[0]).strip_prefix(&app.address).unwrap().to_string();
    assert!(app.post(&anonymous, &ada_path, &[]).await.text().await.unwrap().contains("already"));

    // Nothing more is paged, however long we wait.
    app.clock.advance(Duration::hours(2));
    app.look_on_call().await;
    assert_eq!(outbox(app).await.len(), 2, "acknowledgement stops the escalation");

    let view = app.incident(&admin, incident).await;
    let text = timeline_text(&view);
    assert!(text.contains("paged Checkout (Payments): Checkout returns 500s"), "{text}");
    assert!(text.contains("Paged Ada (level 1 of Checkout (Payments))."), "Ada is on call for level 1: {text}");
    assert!(text.contains("Paged Bob (level 2 of Checkout (Payments))."), "Bob is level 2: {text}");
    assert!(text.contains("acknowledged the page to Checkout (Payments) through the link in their page, after 7m"), "{text}");
    assert!(view["summary"]["incident"]["key_times"]["acknowledged"].is_string(), "the incident's acknowledged time is set: {}", view["summary"]["incident"]["key_times"]);

    let pages: Value = ok(app.post(&admin, "/api/pages/of-incident", &[("incident_id", &incident.to_string())]).await, "pages").await;
    let row = &pages["rows"][0];
    assert_eq!(row["status"], "Acknowledged");
    assert_eq!(row["steps"].as_array().unwrap().len(), 2, "{row}");
    assert!(row["outcome"].as_str().unwrap().starts_with("Acknowledged by Bob after 7m"), "{row}");
}

async fn a_restart_in_the_middle_of_an_escalation_neither_loses_nor_repeats_a_step(app: &TestApp) {
    let admin = app.admin().await;
    let (_ada, ada_id) = pager(app, &admin, "ada@example.com", "http://127.0.0.1:9/ada").await;
    let (_bob, bob_id) = pager(app, &admin, "bob@example.com", "http://127.0.0.1:9/bob").await;
    let schedule = schedule_of(app, &admin, "Primary", &ada_id).await;
    let policy = two_level_policy(app, &admin, &schedule, &bob_id).await;
    ok(app.post(&admin, "/api/policies/update", &[("id", &policy), ("revision", "2"), ("name", "Payments"), ("repeats", "1")]).await, "repeat once").await;
    ok(app.post(&admin, "/api/pages/open", &[("target", &format!("policy:{policy}")), ("message", "Queue backing up")]).await, "page").await;
    wait_for_outbox(app, 1).await;

    // The server stops; time passes beyond level 1's delay while nothing runs.
    app.halt();
    app.clock.advance(Duration::minutes(6));
    // The halted worker would have looked several times by now, had it survived.
    tokio::time::sleep(ON_CALL_POLL * 8).await;
    assert_eq!(outbox(app).await.len(), 1, "nothing runs while the server is down");

    let restarted = app.another_instance().await;
    let after = wait_for_outbox(app, 2).await;
    assert_eq!(sent_to(&after, "http://127.0.0.1:9/bob").len(), 1, "level 2 goes out after the restart");
    restarted.look_on_call().await;
    assert_eq!(outbox(app).await.len(), 2, "and only once");

    // The second round: level 1 again after level 2's ten minutes, then level 2, then the end.
    app.clock.advance(Duration::minutes(10));
    wait_for_outbox(app, 3).await;
    app.clock.advance(Duration::minutes(5));
    wait_for_outbox(app, 4).await;
    app.clock.advance(Duration::minutes(10));
    restarted.look_on_call().await;
    app.clock.advance(Duration::hours(1));
    restarted.look_on_call().await;
    let all = outbox(app).await;
    assert_eq!((sent_to(&all, "http://127.0.0.1:9/ada").len(), sent_to(&all, "http://127.0.0.1:9/bob").len()), (2, 2), "two rounds, each level once a round");
    // The old server is gone: ask the new one (the session lives in the database).
    let listed = admin.post(restarted.url("/api/pages/list")).form(&[("page", "1")]).send().await.unwrap();
    let pages: Value = ok(listed, "pages").await;
    assert_eq!(pages["rows"][0]["status"], "Unanswered");
    assert_eq!(pages["rows"][0]["steps"].as_array().unwrap().len(), 4);
    restarted.stop().await;
}

async fn two_instances_take_each_step_once(app: &TestApp) {
    let admin = app.admin().await;
    let (_ada, ada_id) = pager(app, &admin, "ada@example.com", "http://127.0.0.1:9/ada").await;
    let second = app.another_instance().await;
    // Many pages at once to a person, with both instances' workers running.
    for n in 0..20 {
        let message = format!("Page number {n}");
        ok(app.post(&admin, "/api/pages/open", &[("target", &format!("user:{ada_id}")), ("message", &message)]).await, "page").await;
    }
    second.state().pages_opened.notify_one();
    wait_for_outbox(app, 20).await;
    app.look_on_call().await;
    second.look_on_call().await;
    assert_eq!(outbox(app).await.len(), 20, "one page each, whichever instance took it");
    app.clock.advance(Duration::minutes(31));
    app.look_on_call().await;
    second.look_on_call().await;
    let pages: Value = ok(app.post(&admin, "/api/pages/list", &[("page", "1")]).await, "pages").await;
    assert!(pages["rows"].as_array().unwrap().iter().all(|p| p["status"] == "Unanswered"), "{pages}");
    assert_eq!(outbox(app).await.len(), 20);
    second.stop().await;
}

async fn resolving_the_incident_stops_paging_and_viewers_can_neither_page_nor_acknowledge(app: &TestApp) {
    let admin = app.admin().await;
    let (responder, ada_id) = pager(app, &admin, "ada@example.com", "http://127.0.0.1:9/ada").await;
    let viewer = app.signed_in_as(&admin, "viewer@example.com", "viewer").await;
    let incident = app.declare_incident(&admin, "Resolve me", &[]).await.to_string();
    let form = [("incident_id", incident.as_str()), ("target", &format!("user:{ada_id}")), ("message", "Look please")];
    assert_eq!(app.post(&viewer, "/api/pages/open", &form).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post(&client(), "/api/pages/open", &form).await.status(), StatusCode::UNAUTHORIZED);
    let empty = app.post(&responder, "/api/pages/open", &[("incident_id", incident.as_str()), ("target", &format!("user:{ada_id}")), ("message", " ")]).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.json::<Value>().await.unwrap()["Invalid"]["field"], "message");
    let unknown = app.post(&responder, "/api/pages/open", &[("incident_id", incident.as_str()), ("target", "policy:999"), ("message", "x")]).await;
    assert_eq!(unknown.json::<Value>().await.unwrap()["Invalid"]["field"], "target");
    // Ada's phone again after 10 minutes: waiting when the incident is resolved.
    let phone = ok(app.post(&responder, "/api/contact-methods/list", &[]).await, "contacts").await["methods"][0]["id"].to_string();
    ok(app.post(&responder, "/api/notification-rules/add", &[("contact_method_id", &phone), ("delay_minutes", "0")]).await, "rule").await;
    ok(app.post(&responder, "/api/notification-rules/add", &[("contact_method_id", &phone), ("delay_minutes", "10")]).await, "rule").await;
    ok(app.post(&responder, "/api/pages/open", &form).await, "page").await;
    wait_for_outbox(app, 2).await;

    let pages: Value = ok(app.post(&viewer, "/api/pages/of-incident", &[("incident_id", &incident)]).await, "viewer reads").await;
    let page_id = pages["rows"][0]["id"].as_i64().unwrap().to_string();
    assert_eq!(pages["can_page"], false);
    assert_eq!(app.post(&viewer, "/api/pages/acknowledge", &[("page_id", &page_id)]).await.status(), StatusCode::FORBIDDEN);

    let view = app.incident(&admin, incident.parse().unwrap()).await;
    let revision = view["summary"]["incident"]["revision"].as_i64().unwrap().to_string();
    ok(app.post(&admin, "/api/incidents/status", &[("incident_id", incident.as_str()), ("revision", &revision), ("status", "resolved")]).await, "resolve").await;
    let pages: Value = ok(app.post(&admin, "/api/pages/of-incident", &[("incident_id", &incident)]).await, "pages").await;
    assert_eq!(pages["rows"][0]["status"], "Stopped");
    assert!(timeline_text(&app.incident(&admin, incident.parse().unwrap()).await).contains("Paging stopped: the incident is resolved."));
    app.clock.advance(Duration::hours(1));
    app.look_on_call().await;
    let rows = outbox(app).await;
    assert_eq!(rows.len(), 2, "nothing after the incident ended: {rows:?}");
    assert_eq!(rows[1].status, app::domain::delivery::DeliveryStatus::Cancelled, "the later notification isn't sent");
    assert_eq!(rows[1].last_error, "Not sent: the incident was resolved first.");
    let late = app.post(&responder, "/api/pages/acknowledge", &[("page_id", &page_id)]).await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
}

async fn policies_are_edited_by_admins_and_refuse_bad_levels_on_their_field(app: &TestApp) {
    let admin = app.admin().await;
    let responder = app.signed_in_as(&admin, "responder@example.com", "responder").await;
    let me: Value = app.post(&responder, "/api/session", &[]).await.json().await.unwrap();
    let id = me["user"]["id"].as_i64().unwrap().to_string();
    let form = [("name", "Ops"), ("repeats", "0"), ("user_ids[0]", id.as_str()), ("delay_minutes", "5")];
    assert_eq!(app.post(&responder, "/api/policies/create", &form).await.status(), StatusCode::FORBIDDEN);
    for (field, bad) in [
        ("delay_minutes", vec![("name", "Ops"), ("repeats", "0"), ("user_ids[0]", id.as_str()), ("delay_minutes", "0")]),
        ("targets", vec![("name", "Ops"), ("repeats", "0"), ("delay_minutes", "5")]),
        ("repeats", vec![("name", "Ops"), ("repeats", "12"), ("user_ids[0]", id.as_str()), ("delay_minutes", "5")]),
        ("name", vec![("name", " "), ("repeats", "0"), ("user_ids[0]", id.as_str()), ("delay_minutes", "5")]),
    ] {
        let refused = app.post(&admin, "/api/policies/create", &bad).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(refused.json::<Value>().await.unwrap()["Invalid"]["field"], field);
    }
    let created = ok(app.post(&admin, "/api/policies/create", &form).await, "create").await;
    let policy = id_of(&created);
    let twin = app.post(&admin, "/api/policies/create", &form).await;
    assert_eq!(twin.status(), StatusCode::CONFLICT, "names are unique");
    // Two admins edit from the same revision: the second is told, not overwritten.
    ok(app.post(&admin, "/api/policies/save-level", &[("policy_id", &policy), ("revision", "1"), ("level", "0"), ("user_ids[0]", &id), ("delay_minutes", "7")]).await, "add").await;
    let stale = app.post(&admin, "/api/policies/save-level", &[("policy_id", &policy), ("revision", "1"), ("level", "0"), ("user_ids[0]", &id), ("delay_minutes", "9")]).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let view: Value = ok(app.post(&responder, "/api/policies/get", &[("id", &policy)]).await, "read").await;
    assert_eq!(view["can_edit"], false);
    let delays: Vec<i64> = view["policy"]["levels"].as_array().unwrap().iter().map(|l| l["delay_minutes"].as_i64().unwrap()).collect();
    assert_eq!(delays, vec![5, 7]);
    let unchosen = app.post(&admin, "/api/policies/set-service", &[("service_id", "0"), ("policy_id", &policy)]).await;
    assert_eq!(unchosen.json::<Value>().await.unwrap()["Invalid"]["field"], "service_id");
    // A policy a service uses can't be deleted.
    let service = service_with(app, &admin, &policy).await;
    let refused = app.post(&admin, "/api/policies/delete", &[("id", &policy), ("revision", "2")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    ok(app.post(&admin, "/api/policies/set-service", &[("service_id", &service), ("policy_id", "0"), ("back_to", &policy)]).await, "unset").await;
    ok(app.post(&admin, "/api/policies/delete", &[("id", &policy), ("revision", "2")]).await, "delete").await;
}

async fn a_schedule_that_a_policy_pages_cannot_be_deleted(app: &TestApp) {
    let admin = app.admin().await;
    let (_ada, ada_id) = pager(app, &admin, "ada@example.com", "http://127.0.0.1:9/ada").await;
    let schedule = schedule_of(app, &admin, "Primary", &ada_id).await;
    two_level_policy(app, &admin, &schedule, &ada_id).await;
    // The schedule is at revision 2 (its layer).
    let refused = app.post(&admin, "/api/schedules/delete", &[("id", &schedule), ("revision", "2")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let message = refused.json::<Value>().await.unwrap()["Invalid"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("escalation policy pages this schedule"), "{message}");
}

async fn deleted_schedules_and_policies_are_restored_by_admins(app: &TestApp) {
    let admin = app.admin().await;
    let (responder, ada_id) = pager(app, &admin, "ada@example.com", "http://127.0.0.1:9/ada").await;
    let schedule = schedule_of(app, &admin, "Primary", &ada_id).await;
    let policy = two_level_policy(app, &admin, &schedule, &ada_id).await;
    // The policy (revision 2: its second level), then the schedule (revision 2: its layer).
    ok(app.post(&admin, "/api/policies/delete", &[("id", &policy), ("revision", "2")]).await, "delete the policy").await;
    ok(app.post(&responder, "/api/schedules/delete", &[("id", &schedule), ("revision", "2")]).await, "delete the schedule").await;
    assert_eq!(app.get(&admin, &format!("/on-call/schedules/{schedule}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&admin, &format!("/on-call/policies/{policy}")).await.status(), StatusCode::NOT_FOUND);
    let listed: Value = ok(app.post(&admin, "/api/schedules/list", &[("page", "1")]).await, "schedules").await;
    assert_eq!(listed["list"]["total"], 0);

    // Admins see them and restore them; nobody else does.
    assert_eq!(app.post(&responder, "/api/on-call/deleted", &[]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post(&responder, "/api/on-call/restore", &[("kind", "schedule"), ("id", &schedule)]).await.status(), StatusCode::FORBIDDEN);
    let deleted: Value = ok(app.post(&admin, "/api/on-call/deleted", &[]).await, "deleted").await;
    assert_eq!(deleted["schedules"][0]["name"], "Primary");
    assert_eq!(deleted["policies"][0]["name"], "Payments");
    assert!(deleted["schedules"][0]["when"].as_str().unwrap().contains("restorable until"));
    let bad = app.post(&admin, "/api/on-call/restore", &[("kind", "service"), ("id", &schedule)]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A new schedule took the name meanwhile: restoring the old one says so.
    let newer = ok(app.post(&admin, "/api/schedules/create", &[("name", "primary"), ("time_zone", "UTC"), ("handoff_notice_minutes", "0")]).await, "new").await;
    let clash = app.post(&admin, "/api/on-call/restore", &[("kind", "schedule"), ("id", &schedule)]).await;
    assert_eq!(clash.status(), StatusCode::CONFLICT);
    ok(app.post(&admin, "/api/schedules/delete", &[("id", &id_of(&newer)), ("revision", "1")]).await, "delete the new one").await;
    let restored = ok(app.post(&admin, "/api/on-call/restore", &[("kind", "schedule"), ("id", &schedule)]).await, "restore").await;
    assert_eq!(restored, format!("/on-call/schedules/{schedule}"));
    ok(app.post(&admin, "/api/on-call/restore", &[("kind", "policy"), ("id", &policy)]).await, "restore the policy").await;
    assert_eq!(app.get(&admin, &format!("/on-call/schedules/{schedule}")).await.status(), StatusCode::OK);
    let again = app.post(&admin, "/api/on-call/restore", &[("kind", "policy"), ("id", &policy)]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    // The restored policy pages the restored schedule as before.
    let one: Value = ok(app.post(&admin, "/api/policies/get", &[("id", &policy)]).await, "policy").await;
    assert_eq!(one["policy"]["levels"][0]["targets"][0], "Primary (schedule)");

    // Thirty days on, they can't be restored any more.
    ok(app.post(&admin, "/api/policies/delete", &[("id", &policy), ("revision", "4")]).await, "delete again").await;
    app.clock.advance(Duration::days(31));
    // (Sessions don't last a month either.)
    let admin = client();
    assert_eq!(app.login(&admin, ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), StatusCode::OK);
    let deleted: Value = ok(app.post(&admin, "/api/on-call/deleted", &[]).await, "deleted").await;
    assert_eq!(deleted["policies"].as_array().unwrap().len(), 0);
    assert_eq!(app.post(&admin, "/api/on-call/restore", &[("kind", "policy"), ("id", &policy)]).await.status(), StatusCode::NOT_FOUND);
}

async fn the_incoming_person_is_told_once_before_their_shift(app: &TestApp) {
    let admin = app.admin().await;
    let (_ada, ada_id) = pager(app, &admin, "ada@example.com", "http://127.0.0.1:9/ada").await;
    let (_bob, bob_id) = pager(app, &admin, "bob@example.com", "http://127.0.0.1:9/bob").await;
    // Daily shifts handing off at the next full hour + 2 h; Ada is on now, Bob comes next.
    let created = ok(app.post(&admin, "/api/schedules/create", &[("name", "Daily"), ("time_zone", "UTC"), ("handoff_notice_minutes", "30")]).await, "schedule").await;
    let id = id_of(&created);
    let now = app.clock_now();
    let handoff = now + Duration::hours(2);
    let start = (handoff - Duration::days(1)).format("%Y-%m-%d").to_string();
    let time = handoff.format("%H:%M").to_string();
    let form = [
        ("schedule_id", id.as_str()),
        ("revision", "1"),
        ("layer_id", "0"),
        ("name", "Days"),
        ("shift_count", "1"),
        ("shift_unit", "days"),
        ("handoff_time", time.as_str()),
        ("start_date", start.as_str()),
        ("participants[0]", ada_id.as_str()),
        ("participants[1]", bob_id.as_str()),
    ];
    ok(app.post(&admin, "/api/schedules/layers/save", &form).await, "layer").await;
    app.look_on_call().await;
    assert!(outbox(app).await.is_empty(), "two hours ahead is too early");
    app.clock.advance(Duration::minutes(91));
    let told = wait_for_outbox(app, 1).await;
    assert_eq!(sent_to(&told, "http://127.0.0.1:9/bob").len(), 1, "Bob is told 30 minutes ahead: {told:?}");
    assert!(told[0].body.contains("\"event\":\"handoff\"") && told[0].body.contains("Daily"), "{}", told[0].body);
    app.clock.advance(Duration::minutes(10));
    app.look_on_call().await;
    assert_eq!(outbox(app).await.len(), 1, "once");
}

/// A schedule whose stored rotation starts in a year no form accepts (written before dates were
/// bounded, or straight into the database) is read as having nobody on call; the on-call worker
/// keeps escalating every other page, and a form refuses such a date beside its field.
async fn a_schedule_with_a_date_at_the_edge_of_time_cannot_stop_paging(app: &TestApp) {
    let admin = app.admin().await;
    let (_ada, ada_id) = pager(app, &admin, "ada@example.com", "http://127.0.0.1:9/ada").await;
    let (_bob, bob_id) = pager(app, &admin, "bob@example.com", "http://127.0.0.1:9/bob").await;
    let poisoned = schedule_of(app, &admin, "Poisoned", &ada_id).await;
    for far in ["+262142-12-31", "-262143-01-01"] {
        let form = [
            ("schedule_id", poisoned.as_str()),
            ("revision", "2"),
            ("layer_id", "0"),
            ("name", "Far"),
            ("shift_count", "1"),
            ("shift_unit", "hours"),
            ("handoff_time", "00:00"),
            ("start_date", far),
            ("participants[0]", ada_id.as_str()),
        ];
        let refused = app.post(&admin, "/api/schedules/layers/save", &form).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["Invalid"]["field"], "start_date", "{body}");
        assert_eq!(body["Invalid"]["message"], "Give a date between 1970 and 2200.");
    }
    app.db.store.execute_for_test(&format!("update schedule_layers set start_date = '+262142-12-31', shift_unit = 'hours' where schedule_id = {poisoned}")).await.unwrap();
    let healthy = schedule_of(app, &admin, "Healthy", &bob_id).await;
    for schedule in [&poisoned, &healthy] {
        let policy = ok(
            app.post(&admin, "/api/policies/create", &[("name", &format!("Policy {schedule}")), ("repeats", "0"), ("schedule_ids[0]", schedule), ("delay_minutes", "5")]).await,
            "policy",
        )
        .await;
        let policy = id_of(&policy);
        ok(app.post(&admin, "/api/pages/open", &[("incident_id", "0"), ("target", &format!("policy:{policy}")), ("message", "Disk full")]).await, "page").await;
    }
    app.look_on_call().await;
    let rows = outbox(app).await;
    assert_eq!(sent_to(&rows, "http://127.0.0.1:9/bob").len(), 1, "the healthy schedule's person is paged: {rows:?}");
    assert!(sent_to(&rows, "http://127.0.0.1:9/ada").is_empty(), "nobody is on call on the poisoned schedule");
    let ready = app.get(&client(), "/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert!(ready.text().await.unwrap().contains("worker on-call: ok"));
    // Its page is shown on the schedule page without failing it.
    let page = app.get(&admin, &format!("/on-call/schedules/{poisoned}")).await;
    assert_eq!(page.status(), StatusCode::OK);
}

/// The incident's acknowledged key time as shown: (time, where it came from).
fn acknowledged(view: &Value) -> (Value, Value) {
    let times = view["key_times"].as_array().expect("key times");
    let ack = times.iter().find(|t| t["which"] == "acknowledged").expect("an acknowledged row");
    (ack["shown"].clone(), ack["source"].clone())
}

async fn pages_of(app: &TestApp, client: &Client, incident: i64) -> Vec<Value> {
    let pages: Value = ok(app.post(client, "/api/pages/of-incident", &[("incident_id", &incident.to_string())]).await, "pages").await;
    pages["rows"].as_array().unwrap().clone()
}

async fn declaring_at_a_paging_severity_pages_the_on_call_and_the_page_sets_acknowledged(app: &TestApp) {
    let admin = app.admin().await;
    let admin_id = app.post(&admin, "/api/session", &[]).await.json::<Value>().await.unwrap()["user"]["id"].as_i64().unwrap();
    let (_ada, ada_id) = pager(app, &admin, "ada@example.com", "http://127.0.0.1:9/ada").await;
    let (_bob, bob_id) = pager(app, &admin, "bob@example.com", "http://127.0.0.1:9/bob").await;
    let schedule = schedule_of(app, &admin, "Primary", &ada_id).await;
    let policy = two_level_policy(app, &admin, &schedule, &bob_id).await;
    let service = service_with(app, &admin, &policy).await;

    // The declare form shows whom declaring would page.
    let form: Value = ok(app.post(&admin, "/api/incidents/declare-form", &[]).await, "declare form").await;
    let offered = form["paging"].as_array().unwrap();
    assert_eq!(offered.len(), 1, "{offered:?}");
    assert_eq!(offered[0]["target_name"], "Checkout (Payments)");
    assert_eq!(offered[0]["first_level"], serde_json::json!(["Ada"]));
    let severities = form["severities"].as_array().unwrap();
    assert_eq!(severities.iter().map(|s| s["pages_on_declare"].as_bool().unwrap()).collect::<Vec<_>>(), [true, true, false, false]);

    // SEV1, from a client that doesn't choose (no JavaScript, the API): the severity decides.
    let incident = app.declare_incident(&admin, "Checkout down", &[("service_ids[0]", &service), ("paging_chosen", "false"), ("commander_id", &bob_id)]).await;
    let first = wait_for_outbox(app, 1).await;
    assert_eq!(sent_to(&first, "http://127.0.0.1:9/ada").len(), 1, "{first:?}");
    assert!(first[0].body.contains("SEV1: Checkout down"), "{}", first[0].body);
    let pages = pages_of(app, &admin, incident).await;
    assert_eq!((pages.len(), pages[0]["target_name"].as_str()), (1, Some("Checkout (Payments)")));
    let view = app.incident(&admin, incident).await;
    assert!(timeline_text(&view).contains("paged Checkout (Payments): SEV1: Checkout down"), "{}", timeline_text(&view));
    // The declarer and the commander follow it.
    for person in [admin_id, bob_id.parse().unwrap()] {
        assert!(app.db.store.incident_subscription_of(incident, person).await.unwrap().is_some(), "{person} follows");
    }

    // Work starting while the page escalates is not the acknowledgement…
    let revision = view["summary"]["incident"]["revision"].as_i64().unwrap().to_string();
    let moved = app.post(&admin, "/api/incidents/status", &[("incident_id", &incident.to_string()), ("revision", &revision), ("status", "investigating")]).await;
    ok(moved, "investigating").await;
    assert_eq!(acknowledged(&app.incident(&admin, incident).await), (Value::Null, Value::Null));
    // …the page's acknowledgement is.
    app.clock.advance(Duration::minutes(2));
    let link = ack_link(&first[0]);
    let path = link.strip_prefix(&app.address).expect("the link points at this server").to_string();
    assert_eq!(app.post(&client(), &path, &[]).await.status(), StatusCode::OK);
    let (shown, source) = acknowledged(&app.incident(&admin, incident).await);
    assert!(shown.is_string());
    assert_eq!(source, "when the first page was acknowledged");
    let durations = app.incident(&admin, incident).await["durations"].clone();
    assert_eq!(durations[0], serde_json::json!(["Time to acknowledge", "2m"]), "{durations}");

    // The declarer unticked the policy: nothing is paged.
    let quiet = app.declare_incident(&admin, "Quiet", &[("service_ids[0]", &service), ("paging_chosen", "true")]).await;
    // The declarer ticked it: paged, even at a severity that doesn't page by itself.
    let chosen = app
        .declare_incident(&admin, "Chosen", &[("severity_id", "3"), ("service_ids[0]", &service), ("paging_chosen", "true"), ("page_service_ids[0]", &service)])
        .await;
    // SEV3 without a choice pages nobody.
    let minor = app.declare_incident(&admin, "Minor", &[("severity_id", "3"), ("service_ids[0]", &service), ("paging_chosen", "false")]).await;
    assert_eq!(pages_of(app, &admin, quiet).await.len(), 0);
    assert_eq!(pages_of(app, &admin, chosen).await.len(), 1);
    assert_eq!(pages_of(app, &admin, minor).await.len(), 0);
    // Without pages, work starting is the acknowledgement.
    let view = app.incident(&admin, minor).await;
    let revision = view["summary"]["incident"]["revision"].as_i64().unwrap().to_string();
    ok(app.post(&admin, "/api/incidents/status", &[("incident_id", &minor.to_string()), ("revision", &revision), ("status", "investigating")]).await, "investigating").await;
    assert_eq!(acknowledged(&app.incident(&admin, minor).await).1, "when work started (the incident left triage)");
}

async fn every_account_can_be_paged_and_paging_forms_name_who_cannot(app: &TestApp) {
    let admin = app.admin().await;
    let riley = app.signed_in_as_named(&admin, "riley@example.com", "Riley", "responder").await;
    let methods: Value = ok(app.post(&riley, "/api/contact-methods/list", &[]).await, "contacts").await;
    let methods = methods["methods"].as_array().unwrap();
    assert_eq!(methods.len(), 1, "{methods:?}");
    assert_eq!((methods[0]["kind"].as_str(), methods[0]["label"].as_str(), methods[0]["target"].as_str()), (Some("Email"), Some("Account email"), Some("riley@example.com")));
    let reach: Value = ok(app.post(&riley, "/api/contact-methods/unreachable", &[]).await, "unreachable").await;
    assert_eq!(reach, serde_json::json!([[], 0]), "everyone, the first admin too, starts reachable");

    let riley_id = app.post(&riley, "/api/session", &[]).await.json::<Value>().await.unwrap()["user"]["id"].as_i64().unwrap().to_string();
    let schedule = schedule_of(app, &admin, "Primary", &riley_id).await;
    ok(app.post(&admin, "/api/policies/create", &[("name", "Direct"), ("repeats", "0"), ("user_ids[0]", &riley_id), ("delay_minutes", "5")]).await, "policy").await;

    // Riley removes their only method: every paging form says so beside the name.
    let only = methods[0]["id"].to_string();
    ok(app.post(&riley, "/api/contact-methods/remove", &[("contact_method_id", &only)]).await, "remove").await;
    let marked = "Riley (no contact method: won't be reached)";
    let reach: Value = ok(app.post(&admin, "/api/contact-methods/unreachable", &[]).await, "unreachable").await;
    assert_eq!(reach[0][0]["name"], "Riley");
    assert_eq!(reach[1], 1);
    let pages: Value = ok(app.post(&admin, "/api/pages/list", &[("page", "1")]).await, "pages").await;
    let targets: Vec<&str> = pages["targets"].as_array().unwrap().iter().map(|t| t[1].as_str().unwrap()).collect();
    assert!(targets.contains(&format!("Person: {marked}").as_str()), "{targets:?}");
    let policies: Value = ok(app.post(&admin, "/api/policies/list", &[("page", "1")]).await, "policies").await;
    assert_eq!(policies["rows"][0]["levels"][0]["targets"][0], marked);
    let schedules: Value = ok(app.post(&admin, "/api/schedules/list", &[("page", "1")]).await, "schedules").await;
    assert_eq!(schedules["list"]["rows"][0]["on_call"][0]["name"], marked);
    let one: Value = ok(app.post(&admin, "/api/schedules/get", &[("id", &schedule)]).await, "schedule").await;
    assert_eq!(one["on_call"][0]["name"], marked);
    assert_eq!(one["layers"][0]["people"][0]["name"], marked);
    assert_eq!(one["bars"][0]["segments"][0]["name"], "Riley", "the picture keeps names short");

    // Adding one back makes Riley reachable again.
    ok(app.post(&riley, "/api/contact-methods/add", &[("kind", "email"), ("label", "Work"), ("target", "riley@example.com")]).await, "add").await;
    let reach: Value = ok(app.post(&admin, "/api/contact-methods/unreachable", &[]).await, "unreachable").await;
    assert_eq!(reach[1], 0);
}

async fn a_test_page_goes_the_whole_way_and_is_acknowledged(app: &TestApp) {
    let admin = app.admin().await;
    let (ada, _) = pager(app, &admin, "ada@example.com", "http://127.0.0.1:9/ada").await;
    ok(app.post(&ada, "/api/pages/test", &[]).await, "test page").await;
    let sent = wait_for_outbox(app, 1).await;
    assert_eq!(sent_to(&sent, "http://127.0.0.1:9/ada").len(), 1, "{sent:?}");
    assert!(sent[0].body.contains("Test page from Quell"), "{}", sent[0].body);
    // Not a second one straight away.
    let again = app.post(&ada, "/api/pages/test", &[]).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.json::<Value>().await.unwrap()["Invalid"]["field"], "test_page");
    // Its link acknowledges it, signed out, like any page's.
    let path = ack_link(&sent[0]).strip_prefix(&app.address).unwrap().to_string();
    assert_eq!(app.post(&client(), &path, &[]).await.status(), StatusCode::OK);
    let pages: Value = ok(app.post(&admin, "/api/pages/list", &[("page", "1")]).await, "pages").await;
    assert_eq!(pages["rows"][0]["target_name"], "Ada (test page)");
    assert_eq!(pages["rows"][0]["status"], "Acknowledged");
    // Anyone signed in may test their own path: a viewer is reached at their account email.
    let viewer = app.signed_in_as(&admin, "vic@example.com", "viewer").await;
    ok(app.post(&viewer, "/api/pages/test", &[]).await, "viewer's test page").await;
    let sent = wait_for_outbox(app, 2).await;
    assert_eq!(sent_to(&sent, "vic@example.com").len(), 1, "{sent:?}");
    assert_eq!(app.post(&client(), "/api/pages/test", &[]).await.status(), StatusCode::UNAUTHORIZED);
}

/// The delivery of a page to `target` (its one delivery there).
fn delivery_to<'a>(rows: &'a [Delivery], target: &str) -> &'a Delivery {
    let found = sent_to(rows, target);
    assert_eq!(found.len(), 1, "one delivery to {target}: {rows:?}");
    found[0]
}

async fn notification_rules_say_when_each_method_is_used_and_acknowledging_cancels_the_rest(app: &TestApp) {
    use app::domain::delivery::DeliveryStatus;
    let admin = app.admin().await;
    let (ada, _) = pager(app, &admin, "ada@example.com", "http://127.0.0.1:9/ada").await;
    let added = app.post(&ada, "/api/contact-methods/add", &[("kind", "email"), ("label", "Late email"), ("target", "ada.late@example.com")]).await;
    assert_eq!(added.status(), StatusCode::OK);
    let mine: Value = ok(app.post(&ada, "/api/contact-methods/list", &[]).await, "contacts").await;
    assert_eq!(mine["rules"], serde_json::json!([]), "no rules to start with: every method at once");
    let id_of_method = |label: &str| mine["methods"].as_array().unwrap().iter().find(|m| m["label"] == label).unwrap()["id"].to_string();
    let (phone, email) = (id_of_method("Phone"), id_of_method("Late email"));

    // Bad rules are refused on their field; nobody uses another person's methods.
    let bob = app.signed_in_as(&admin, "bob@example.com", "responder").await;
    for (who, method, delay, field) in [(&ada, &phone, "241", "delay_minutes"), (&ada, &phone, "soon", "delay_minutes"), (&bob, &phone, "0", "contact_method_id")] {
        let refused = app.post(who, "/api/notification-rules/add", &[("contact_method_id", method), ("delay_minutes", delay)]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{delay}");
        assert_eq!(refused.json::<Value>().await.unwrap()["Invalid"]["field"], field, "{delay}");
    }
    assert_eq!(
        app.post(&client(), "/api/notification-rules/add", &[("contact_method_id", &phone), ("delay_minutes", "0")]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The phone at once, the email after 5 minutes (and the same rule only once).
    ok(app.post(&ada, "/api/notification-rules/add", &[("contact_method_id", &email), ("delay_minutes", "5")]).await, "rule 2").await;
    ok(app.post(&ada, "/api/notification-rules/add", &[("contact_method_id", &phone), ("delay_minutes", "0")]).await, "rule 1").await;
    let twice = app.post(&ada, "/api/notification-rules/add", &[("contact_method_id", &phone), ("delay_minutes", "0")]).await;
    assert_eq!(twice.json::<Value>().await.unwrap()["Invalid"]["field"], "delay_minutes");
    let mine: Value = ok(app.post(&ada, "/api/contact-methods/list", &[]).await, "contacts").await;
    let rules: Vec<(String, i64)> =
        mine["rules"].as_array().unwrap().iter().map(|r| (r["contact_method_id"].to_string(), r["delay_minutes"].as_i64().unwrap())).collect();
    assert_eq!(rules, [(phone.clone(), 0), (email.clone(), 5)], "the soonest first");

    // A page sends the phone now; the email waits five minutes in the outbox.
    let paged_at = app.clock_now();
    ok(app.post(&ada, "/api/pages/test", &[]).await, "test page").await;
    let rows = wait_for_outbox(app, 2).await;
    assert_eq!(rows.len(), 2, "one delivery per rule: {rows:?}");
    let later = delivery_to(&rows, "ada.late@example.com");
    assert_eq!(later.status, DeliveryStatus::Pending);
    // (Postgres keeps microseconds.)
    assert!((later.next_attempt_at - (paged_at + Duration::minutes(5))).num_milliseconds().abs() <= 1, "{later:?}");
    // Acknowledging in the meantime cancels it.
    let path = ack_link(delivery_to(&rows, "http://127.0.0.1:9/ada")).strip_prefix(&app.address).unwrap().to_string();
    assert_eq!(app.post(&client(), &path, &[]).await.status(), StatusCode::OK);
    let later = delivery_to(&outbox(app).await, "ada.late@example.com").clone();
    assert_eq!((later.status, later.last_error.as_str()), (DeliveryStatus::Cancelled, "Not sent: the page was acknowledged first."));
    app.clock.advance(Duration::minutes(10));
    app.look_on_call().await;
    assert_eq!(delivery_to(&outbox(app).await, "ada.late@example.com").status, DeliveryStatus::Cancelled, "still not sent");

    // Removing a rule is the person's own: the email rule goes, the phone one stays.
    let email_rule = mine["rules"].as_array().unwrap().iter().find(|r| r["contact_method_id"].to_string() == email).unwrap()["id"].to_string();
    assert_eq!(app.post(&bob, "/api/notification-rules/remove", &[("notification_rule_id", &email_rule)]).await.status(), StatusCode::NOT_FOUND);
    ok(app.post(&ada, "/api/notification-rules/remove", &[("notification_rule_id", &email_rule)]).await, "remove").await;
    // Removing a contact method takes its rules along; without rules, every method at once again.
    ok(app.post(&ada, "/api/contact-methods/remove", &[("contact_method_id", &phone)]).await, "remove phone").await;
    let mine: Value = ok(app.post(&ada, "/api/contact-methods/list", &[]).await, "contacts").await;
    assert_eq!(mine["rules"], serde_json::json!([]));
}

http_tests!(
    notification_rules_say_when_each_method_is_used_and_acknowledging_cancels_the_rest,
    a_test_page_goes_the_whole_way_and_is_acknowledged,
    declaring_at_a_paging_severity_pages_the_on_call_and_the_page_sets_acknowledged,
    every_account_can_be_paged_and_paging_forms_name_who_cannot,
    a_schedule_with_a_date_at_the_edge_of_time_cannot_stop_paging,
    a_page_escalates_after_the_delay_and_stops_when_acknowledged_by_link,
    a_restart_in_the_middle_of_an_escalation_neither_loses_nor_repeats_a_step,
    two_instances_take_each_step_once,
    resolving_the_incident_stops_paging_and_viewers_can_neither_page_nor_acknowledge,
    policies_are_edited_by_admins_and_refuse_bad_levels_on_their_field,
    the_incoming_person_is_told_once_before_their_shift,
    a_schedule_that_a_policy_pages_cannot_be_deleted,
    deleted_schedules_and_policies_are_restored_by_admins,
);
