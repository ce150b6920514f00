//! Post-mortems and action items over HTTP, on SQLite and on Postgres: who may change a
//! post-mortem at each step of its workflow, Markdown made harmless, the export, action items'
//! fields and permissions, and reminders with a manual clock, asserting on the outbox (due soon,
//! overdue, the owner's digest; none repeated across a restart).

mod support;

use app::store::notifications::Delivery;
use chrono::Duration;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use support::*;

async fn ok(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{what}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn refused(response: reqwest::Response, status: StatusCode, what: &str) -> Value {
    let got = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{what}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn own_id(app: &TestApp, client: &Client) -> String {
    let me: Value = app.post(client, "/api/session", &[]).await.json().await.unwrap();
    me["user"]["id"].as_i64().expect("own id").to_string()
}

/// Declares an incident, pins a note on it and resolves it; returns its id.
async fn resolved_incident(app: &TestApp, admin: &Client, title: &str) -> String {
    let id = app.declare_incident(admin, title, &[]).await.to_string();
    ok(app.post(admin, "/api/incidents/notes/add", &[("incident_id", &id), ("body", "Error rate alert fired on checkout")]).await, "note").await;
    let view = app.incident(admin, id.parse().unwrap()).await;
    let note = view["timeline"].as_array().unwrap().iter().find(|e| e["event"]["kind"] == "note").expect("the note")["event"]["id"].as_i64().unwrap().to_string();
    ok(app.post(admin, "/api/incidents/timeline/pin", &[("event_id", &note), ("pinned", "true")]).await, "pin").await;
    let revision = view["summary"]["incident"]["revision"].as_i64().unwrap().to_string();
    ok(app.post(admin, "/api/incidents/status", &[("incident_id", &id), ("revision", &revision), ("status", "resolved")]).await, "resolve").await;
    id
}

async fn start(app: &TestApp, client: &Client, incident: &str, owner: &str) -> String {
    let path = ok(app.post(client, "/api/post-mortems/start", &[("incident_id", incident), ("owner_id", owner), ("template_id", "1")]).await, "start").await;
    path.as_str().unwrap().rsplit('/').next().unwrap().to_string()
}

async fn view(app: &TestApp, client: &Client, id: &str) -> Value {
    ok(app.post(client, "/api/post-mortems/get", &[("id", id)]).await, "get").await
}

/// The section with `heading`, as (id, revision, body).
fn section(view: &Value, heading: &str) -> (String, String, String) {
    let s = view["sections"].as_array().unwrap().iter().find(|s| s["heading"] == heading).unwrap_or_else(|| panic!("no {heading}"));
    (s["id"].as_i64().unwrap().to_string(), s["revision"].as_i64().unwrap().to_string(), s["body"].as_str().unwrap().to_string())
}

async fn save(app: &TestApp, client: &Client, pm: &str, heading: &str, body: &str) -> reqwest::Response {
    let (id, revision, _) = section(&view(app, client, pm).await, heading);
    app.post(client, "/api/post-mortems/save-section", &[("post_mortem_id", pm), ("section_id", &id), ("revision", &revision), ("body", body)]).await
}

async fn move_to(app: &TestApp, client: &Client, pm: &str, from: &str, to: &str) -> reqwest::Response {
    app.post(client, "/api/post-mortems/move", &[("post_mortem_id", pm), ("from", from), ("to", to)]).await
}

async fn a_post_mortem_is_changed_only_by_the_right_people_at_each_step(app: &TestApp) {
    let admin = app.admin().await;
    let ada = app.signed_in_as(&admin, "ada@example.com", "responder").await;
    let bob = app.signed_in_as(&admin, "bob@example.com", "responder").await;
    let cy = app.signed_in_as(&admin, "cy@example.com", "responder").await;
    let viewer = app.signed_in_as(&admin, "vic@example.com", "viewer").await;
    let (ada_id, bob_id) = (own_id(app, &ada).await, own_id(app, &bob).await);

    let open = app.declare_incident(&admin, "Still burning", &[]).await.to_string();
    let early = app.post(&ada, "/api/post-mortems/start", &[("incident_id", &open), ("owner_id", &ada_id), ("template_id", "1")]).await;
    refused(early, StatusCode::CONFLICT, "an open incident has no post-mortem yet").await;
    let incident = resolved_incident(app, &admin, "Checkout errors").await;
    let form = [("incident_id", incident.as_str()), ("owner_id", ada_id.as_str()), ("template_id", "1")];
    refused(app.post(&viewer, "/api/post-mortems/start", &form).await, StatusCode::FORBIDDEN, "viewer starts").await;
    let pm = start(app, &ada, &incident, &ada_id).await;
    refused(app.post(&ada, "/api/post-mortems/start", &form).await, StatusCode::CONFLICT, "one per incident").await;

    let first = view(app, &viewer, &pm).await;
    assert_eq!(first["post_mortem"]["status"], "draft");
    assert_eq!(first["can_edit"], false, "viewers read only");
    let (_, _, timeline) = section(&first, "Timeline");
    assert!(timeline.contains("Error rate alert fired on checkout") && timeline.contains("**Resolved**"), "pinned entries and key times: {timeline}");
    let headings: Vec<&str> = first["sections"].as_array().unwrap().iter().map(|s| s["heading"].as_str().unwrap()).collect();
    assert_eq!(headings, ["Summary", "Impact", "Timeline", "Root cause", "Detection", "Response", "Lessons learned"]);
    // The incident's own timeline is not changed by editing the post-mortem's.
    ok(save(app, &cy, &pm, "Timeline", "- 09:00 rewritten").await, "a responder edits a draft").await;
    assert!(app.incident(&admin, incident.parse().unwrap()).await["timeline"].to_string().contains("Error rate alert fired on checkout"));
    refused(save(app, &viewer, &pm, "Summary", "x").await, StatusCode::FORBIDDEN, "viewer edits").await;
    refused(app.post(&client(), "/api/post-mortems/get", &[("id", &pm)]).await, StatusCode::UNAUTHORIZED, "signed out").await;

    // Review: the owner sends it; only the owner, reviewers and admins write now.
    refused(move_to(app, &ada, &pm, "draft", "in_review").await, StatusCode::CONFLICT, "no reviewer yet").await;
    let draft = view(app, &ada, &pm).await;
    assert!(draft["send_blocker"].as_str().unwrap_or_default().contains("Add at least one reviewer"), "the page says why: {}", draft["send_blocker"]);
    let own = app.post(&ada, "/api/post-mortems/reviewer", &[("post_mortem_id", &pm), ("user_id", &ada_id), ("add", "true")]).await;
    let own = refused(own, StatusCode::UNPROCESSABLE_ENTITY, "the owner can't review their own post-mortem").await;
    assert_eq!(own["Invalid"]["field"], "user_id");
    ok(app.post(&ada, "/api/post-mortems/reviewer", &[("post_mortem_id", &pm), ("user_id", &bob_id), ("add", "true")]).await, "reviewer").await;
    refused(move_to(app, &cy, &pm, "draft", "in_review").await, StatusCode::FORBIDDEN, "only the owner moves it").await;
    ok(move_to(app, &ada, &pm, "draft", "in_review").await, "to review").await;
    refused(save(app, &cy, &pm, "Summary", "Cy's text").await, StatusCode::FORBIDDEN, "in review, others may not write").await;
    ok(save(app, &bob, &pm, "Summary", "The checkout API returned errors for 2 hours.").await, "a reviewer writes").await;
    ok(save(app, &ada, &pm, "Root cause", "A connection pool too small for peak traffic.").await, "the owner writes").await;
    let (id, revision, _) = section(&view(app, &ada, &pm).await, "Summary");
    let stale_revision = (revision.parse::<i64>().unwrap() - 1).to_string();
    let stale = app.post(&ada, "/api/post-mortems/save-section", &[("post_mortem_id", pm.as_str()), ("section_id", &id), ("revision", &stale_revision), ("body", "old")]).await;
    refused(stale, StatusCode::CONFLICT, "a stale section edit is refused").await;

    let not_yet = refused(move_to(app, &ada, &pm, "in_review", "published").await, StatusCode::CONFLICT, "no approval").await;
    assert!(not_yet.to_string().contains("Publishing needs 1 approval; it has 0."), "{not_yet}");
    let waiting = view(app, &ada, &pm).await;
    assert_eq!((waiting["publish_blocker"].as_str(), waiting["approvals"].as_i64(), waiting["send_blocker"].is_null()), (Some("Needs 1 more approval"), Some(0), true));
    assert_eq!((waiting["can_review"].as_bool(), view(app, &bob, &pm).await["can_review"].as_bool()), (Some(false), Some(true)), "the reviewer reviews, the owner doesn't");
    refused(app.post(&cy, "/api/post-mortems/review", &[("post_mortem_id", &pm), ("decision", "approved"), ("comment", "")]).await, StatusCode::FORBIDDEN, "not a reviewer").await;
    refused(app.post(&ada, "/api/post-mortems/review", &[("post_mortem_id", &pm), ("decision", "approved"), ("comment", "")]).await, StatusCode::FORBIDDEN, "the owner").await;
    let no_reason = app.post(&bob, "/api/post-mortems/review", &[("post_mortem_id", &pm), ("decision", "changes_requested"), ("comment", " ")]).await;
    assert_eq!(refused(no_reason, StatusCode::UNPROCESSABLE_ENTITY, "changes need a comment").await["Invalid"]["field"], "comment");
    ok(app.post(&bob, "/api/post-mortems/review", &[("post_mortem_id", &pm), ("decision", "approved"), ("comment", "")]).await, "approve").await;
    let ready = view(app, &ada, &pm).await;
    assert_eq!((ready["publish_blocker"].is_null(), ready["approvals"].as_i64()), (true, Some(1)), "approved: nothing stands in the way");
    ok(move_to(app, &ada, &pm, "in_review", "published").await, "publish").await;

    // Published: read-only except for admins, and every edit is kept.
    let published = view(app, &ada, &pm).await;
    assert_eq!((published["post_mortem"]["status"].as_str(), published["can_edit"].as_bool()), (Some("published"), Some(false)));
    refused(save(app, &ada, &pm, "Summary", "late change").await, StatusCode::CONFLICT, "the owner can't change it now").await;
    refused(save(app, &bob, &pm, "Summary", "late change").await, StatusCode::CONFLICT, "nor a reviewer").await;
    ok(save(app, &admin, &pm, "Summary", "The checkout API returned errors for 2 hours (corrected).").await, "an admin corrects").await;
    let after = view(app, &viewer, &pm).await;
    let history = after["edits"].to_string();
    assert!(history.contains("The checkout API returned errors for 2 hours.") && !history.contains("- 09:00 rewritten"), "{history}");
    assert!(history.contains("Summary"), "{history}");
    let conversation: Vec<&str> = after["comments"].as_array().unwrap().iter().map(|c| c[0]["kind"].as_str().unwrap()).collect();
    assert_eq!(conversation, ["in_review", "approved", "published"]);
    // Listed and found by its text.
    let listed = ok(app.post(&viewer, "/api/post-mortems/list", &[("status", "published"), ("owner_id", "0"), ("severity_id", "0"), ("service_id", "0"), ("from", ""), ("to", ""), ("q", "connection pool"), ("page", "1")]).await, "list").await;
    assert_eq!(listed["total"], 1);
    for far in ["+262142-12-31", "-262143-01-01", "2201-01-01"] {
        let list = app.post(&viewer, "/api/post-mortems/list", &[("status", ""), ("owner_id", "0"), ("severity_id", "0"), ("service_id", "0"), ("from", ""), ("to", far), ("q", ""), ("page", "1")]).await;
        assert_eq!(refused(list, StatusCode::UNPROCESSABLE_ENTITY, "a date at the edge of time").await["Invalid"]["field"], "to");
    }
    let none = ok(app.post(&viewer, "/api/post-mortems/list", &[("status", "draft"), ("owner_id", "0"), ("severity_id", "0"), ("service_id", "0"), ("from", ""), ("to", ""), ("q", ""), ("page", "1")]).await, "list").await;
    assert_eq!(none["total"], 0);
}

async fn markdown_with_script_payloads_is_rendered_harmless_and_exported(app: &TestApp) {
    let admin = app.admin().await;
    let ada = app.signed_in_as(&admin, "ada@example.com", "responder").await;
    let ada_id = own_id(app, &ada).await;
    let incident = resolved_incident(app, &admin, "Payload test").await;
    let pm = start(app, &ada, &incident, &ada_id).await;
    let payload = "Hello <script>alert(1)</script> <img src=x onerror=alert(2)> [link](javascript:alert(3)) <a href=\"https://example.com\" onclick=\"alert(4)\">ok</a>";
    ok(save(app, &ada, &pm, "Summary", payload).await, "save").await;
    let html = section_html(&view(app, &ada, &pm).await, "Summary");
    for bad in ["<script", "onerror", "javascript:", "onclick"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(html.contains("Hello") && html.contains("https://example.com"), "{html}");
    let preview = ok(app.post(&ada, "/api/post-mortems/preview", &[("body", "Ada broke the deploy. <script>x</script>")]).await, "preview").await;
    assert!(!preview["html"].as_str().unwrap().contains("<script"), "{preview}");
    assert_eq!(preview["warnings"][0]["sentence"], "Ada broke the deploy.");
    // Blame is found without knowing the person; the organisation's services are not people.
    ok(app.post(&admin, "/api/services/create", &[("name", "Ledger"), ("description", ""), ("owner_team", ""), ("owner_user_id", "0"), ("parent_id", "0")]).await, "service").await;
    let body = "Zed broke the deploy. The on-call engineer forgot to check the dashboard. Ledger failed to start. Ada deleted the cache.";
    let preview = ok(app.post(&ada, "/api/post-mortems/preview", &[("body", body)]).await, "preview").await;
    let sentences: Vec<&str> = preview["warnings"].as_array().unwrap().iter().map(|w| w["sentence"].as_str().unwrap()).collect();
    assert_eq!(sentences, ["Zed broke the deploy.", "The on-call engineer forgot to check the dashboard.", "Ada deleted the cache."], "Ada is known to Quell");
    let viewer = app.signed_in_as(&admin, "vic@example.com", "viewer").await;
    refused(app.post(&viewer, "/api/post-mortems/preview", &[("body", "x")]).await, StatusCode::FORBIDDEN, "viewers don't write").await;

    ok(app.post(&ada, "/api/post-mortems/add-factor", &[("post_mortem_id", &pm), ("category", "technical"), ("description", "Pool sized for average load")]).await, "factor").await;
    let bad = app.post(&ada, "/api/post-mortems/add-factor", &[("post_mortem_id", &pm), ("category", "blame"), ("description", "x")]).await;
    assert_eq!(refused(bad, StatusCode::UNPROCESSABLE_ENTITY, "category").await["Invalid"]["field"], "category");
    let export = app.get(&viewer, &format!("/post-mortems/{pm}/export.md")).await;
    assert_eq!(export.status(), StatusCode::OK);
    assert!(export.headers()["content-type"].to_str().unwrap().starts_with("text/markdown"));
    let text = export.text().await.unwrap();
    assert!(text.starts_with(&format!("# Post-mortem: INC-{incident} Payload test")), "{text}");
    assert!(text.contains("## Timeline") && text.contains("- **Technical**: Pool sized for average load"), "{text}");
    let signed_out = app.get(&client(), &format!("/post-mortems/{pm}/export.md")).await;
    assert_ne!(signed_out.status(), StatusCode::OK, "signed out, no export");
    assert_eq!(app.get(&viewer, "/post-mortems/999/export.md").await.status(), StatusCode::NOT_FOUND);
}

fn section_html(view: &Value, heading: &str) -> String {
    view["sections"].as_array().unwrap().iter().find(|s| s["heading"] == heading).unwrap()["body_html"].as_str().unwrap().to_string()
}

fn item_form<'a>(incident: &'a str, owner: &'a str, due_on: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("incident_id", incident),
        ("title", "Raise the pool size"),
        ("description", ""),
        ("owner_id", owner),
        ("due_on", due_on),
        ("priority", "p1"),
        ("tracker_url", ""),
        ("back_to", ""),
    ]
}

async fn action_items_check_their_fields_and_keep_viewers_out(app: &TestApp) {
    let admin = app.admin().await;
    let ada = app.signed_in_as(&admin, "ada@example.com", "responder").await;
    let viewer = app.signed_in_as(&admin, "vic@example.com", "viewer").await;
    let ada_id = own_id(app, &ada).await;
    let incident = resolved_incident(app, &admin, "Items").await;
    let tomorrow = (app.clock_now() + Duration::days(1)).format("%Y-%m-%d").to_string();
    let long_ago = (app.clock_now() - Duration::days(400)).format("%Y-%m-%d").to_string();
    refused(app.post(&viewer, "/api/action-items/create", &item_form(&incident, &ada_id, &tomorrow)).await, StatusCode::FORBIDDEN, "viewer").await;
    for (field, form) in [
        ("due_on", item_form(&incident, &ada_id, &long_ago)),
        ("due_on", item_form(&incident, &ada_id, "soon")),
        ("owner_id", item_form(&incident, "0", &tomorrow)),
    ] {
        let bad = refused(app.post(&ada, "/api/action-items/create", &form).await, StatusCode::UNPROCESSABLE_ENTITY, field).await;
        assert_eq!(bad["Invalid"]["field"], field);
    }
    let path = ok(app.post(&ada, "/api/action-items/create", &item_form(&incident, &ada_id, &tomorrow)).await, "create").await;
    let id = path.as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let wont = app.post(&ada, "/api/action-items/set-status", &[("id", id.as_str()), ("revision", "1"), ("status", "wont_do"), ("wont_do_reason", ""), ("back_to", "")]).await;
    assert_eq!(refused(wont, StatusCode::UNPROCESSABLE_ENTITY, "reason").await["Invalid"]["field"], "wont_do_reason");
    refused(app.post(&viewer, "/api/action-items/set-status", &[("id", id.as_str()), ("revision", "1"), ("status", "done"), ("wont_do_reason", ""), ("back_to", "")]).await, StatusCode::FORBIDDEN, "viewer").await;
    ok(app.post(&ada, "/api/action-items/set-status", &[("id", id.as_str()), ("revision", "1"), ("status", "done"), ("wont_do_reason", ""), ("back_to", "//evil.example")]).await, "done").await;
    let stale = app.post(&ada, "/api/action-items/set-status", &[("id", id.as_str()), ("revision", "1"), ("status", "open"), ("wont_do_reason", ""), ("back_to", "")]).await;
    refused(stale, StatusCode::CONFLICT, "stale").await;
    let item = ok(app.post(&viewer, "/api/action-items/get", &[("id", &id)]).await, "get").await;
    assert_eq!(item["item"]["item"]["status"], "done");
    let fields: Vec<&str> = item["history"].as_array().unwrap().iter().map(|c| c[0]["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["Status", "Created"]);
    let mine = ok(app.post(&ada, "/api/action-items/list", &[("mine", "true"), ("owner_id", "0"), ("status", "all"), ("priority", ""), ("service_id", "0"), ("incident_id", "0"), ("overdue", "false"), ("page", "1")]).await, "mine").await;
    assert_eq!(mine["total"], 1);
    let incident_view = ok(app.post(&viewer, "/api/post-mortems/of-incident", &[("incident_id", &incident)]).await, "incident card").await;
    assert_eq!(incident_view["completion"], serde_json::json!({"finished": 1, "total": 1}));
}

/// Every delivery in the outbox, oldest first.
async fn outbox(app: &TestApp) -> Vec<Delivery> {
    let mut rows = app.db.store.list_deliveries(None, app::store::PageRequest::first(1000)).await.unwrap().0.rows;
    rows.reverse();
    rows
}

fn events(rows: &[Delivery]) -> Vec<String> {
    rows.iter()
        .map(|d| {
            let body: Value = serde_json::from_str(&d.body).unwrap();
            format!("{} {}", body["event"].as_str().unwrap_or("?"), d.target.split('?').next().unwrap())
        })
        .collect()
}

async fn owners_are_reminded_once_before_and_after_the_deadline(app: &TestApp) {
    let admin = app.admin().await;
    let ada = app.signed_in_as(&admin, "ada@example.com", "responder").await;
    let bob = app.signed_in_as(&admin, "bob@example.com", "responder").await;
    for (client, hook) in [(&ada, "http://127.0.0.1:9/ada"), (&bob, "http://127.0.0.1:9/bob")] {
        app.reach_only_by_webhook(client, &format!("{hook}?text={{message}}")).await;
    }
    let (ada_id, bob_id) = (own_id(app, &ada).await, own_id(app, &bob).await);
    let incident = resolved_incident(app, &admin, "Reminders").await;
    start(app, &ada, &incident, &ada_id).await;
    // Bob owns an item due in 5 days: nothing yet.
    let due = (app.clock_now() + Duration::days(5)).format("%Y-%m-%d").to_string();
    ok(app.post(&ada, "/api/action-items/create", &item_form(&incident, &bob_id, &due)).await, "item").await;
    app.clock.advance(Duration::minutes(2));
    app.look_on_call().await;
    assert!(outbox(app).await.is_empty(), "five days ahead is too early: {:?}", events(&outbox(app).await));
    // Two days later it is due in 3 days: one reminder.
    app.clock.advance(Duration::days(2));
    app.look_on_call().await;
    let rows = outbox(app).await;
    assert_eq!(events(&rows), ["due_soon http://127.0.0.1:9/bob"]);
    app.clock.advance(Duration::minutes(5));
    app.look_on_call().await;
    assert_eq!(outbox(app).await.len(), 1, "once");
    // A restart does not send it again.
    let second = app.another_instance().await;
    app.halt();
    app.clock.advance(Duration::minutes(5));
    second.look_on_call().await;
    assert_eq!(outbox(app).await.len(), 1, "not again after a restart");
    // Past the deadline: Bob is told it is overdue, and Ada (the post-mortem's owner) gets her digest.
    app.clock.advance(Duration::days(4));
    second.look_on_call().await;
    let rows = outbox(app).await;
    let mut later = events(&rows[1..]);
    later.sort();
    assert_eq!(later, ["overdue http://127.0.0.1:9/bob", "overdue_digest http://127.0.0.1:9/ada"]);
    // The next day: a new digest, no new overdue reminder.
    app.clock.advance(Duration::days(1));
    second.look_on_call().await;
    let rows = outbox(app).await;
    assert_eq!(events(&rows[3..]), ["overdue_digest http://127.0.0.1:9/ada"]);
    second.stop().await;
}

async fn admins_edit_templates_and_new_post_mortems_follow_them(app: &TestApp) {
    let admin = app.admin().await;
    let ada = app.signed_in_as(&admin, "ada@example.com", "responder").await;
    let ada_id = own_id(app, &ada).await;
    let form = |id: &'static str, revision: &'static str, name: &'static str, body: &'static str, approvals: &'static str| {
        vec![("id", id), ("revision", revision), ("name", name), ("body", body), ("required_approvals", approvals)]
    };
    refused(app.post(&ada, "/api/post-mortem-templates/save", &form("0", "0", "Short", "## What happened", "0")).await, StatusCode::FORBIDDEN, "responder").await;
    for (field, bad) in [
        ("name", form("0", "0", " ", "## What happened", "0")),
        ("body", form("0", "0", "Short", "no headings here", "0")),
        ("required_approvals", form("0", "0", "Short", "## What happened", "9")),
        ("name", form("0", "0", "standard post-mortem", "## A", "0")),
    ] {
        let answer = app.post(&admin, "/api/post-mortem-templates/save", &bad).await;
        let status = answer.status();
        let body: Value = answer.json().await.unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        assert_eq!(body["Invalid"]["field"], field, "{body}");
    }
    ok(app.post(&admin, "/api/post-mortem-templates/save", &form("0", "0", "Short", "## What happened\nIn two lines.\n## Why", "0")).await, "create").await;
    let templates = ok(app.post(&ada, "/api/post-mortem-templates/list", &[]).await, "list").await;
    assert_eq!(templates["can_edit"], false);
    let short = templates["templates"].as_array().unwrap().iter().find(|t| t["name"] == "Short").unwrap()["id"].as_i64().unwrap().to_string();
    let incident = resolved_incident(app, &admin, "Template test").await;
    let path = ok(app.post(&ada, "/api/post-mortems/start", &[("incident_id", incident.as_str()), ("owner_id", &ada_id), ("template_id", &short)]).await, "start").await;
    let pm = path.as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let started = view(app, &ada, &pm).await;
    let headings: Vec<&str> = started["sections"].as_array().unwrap().iter().map(|s| s["heading"].as_str().unwrap()).collect();
    assert_eq!(headings, ["What happened", "Why"]);
    assert_eq!(started["sections"][0]["guidance"], "In two lines.");
    // No approval needed: the owner publishes straight after review.
    let bob = app.signed_in_as(&admin, "bob@example.com", "responder").await;
    let bob_id = own_id(app, &bob).await;
    ok(app.post(&ada, "/api/post-mortems/reviewer", &[("post_mortem_id", &pm), ("user_id", &bob_id), ("add", "true")]).await, "reviewer").await;
    let viewer = app.signed_in_as(&admin, "vic@example.com", "viewer").await;
    let vic_id = own_id(app, &viewer).await;
    let not_a_reviewer = app.post(&ada, "/api/post-mortems/reviewer", &[("post_mortem_id", &pm), ("user_id", &vic_id), ("add", "true")]).await;
    assert_eq!(refused(not_a_reviewer, StatusCode::UNPROCESSABLE_ENTITY, "viewers don't review").await["Invalid"]["field"], "user_id");
    let nobody = app.post(&ada, "/api/post-mortems/reviewer", &[("post_mortem_id", &pm), ("user_id", "0"), ("add", "true")]).await;
    assert_eq!(refused(nobody, StatusCode::UNPROCESSABLE_ENTITY, "nobody chosen").await["Invalid"]["field"], "user_id");
    ok(move_to(app, &ada, &pm, "draft", "in_review").await, "review").await;
    ok(move_to(app, &ada, &pm, "in_review", "published").await, "publish with 0 approvals needed").await;
    // The default can't be deleted; another can.
    let default_id = templates["templates"].as_array().unwrap().iter().find(|t| t["is_default"] == true).unwrap()["id"].as_i64().unwrap().to_string();
    refused(app.post(&admin, "/api/post-mortem-templates/delete", &[("id", default_id.as_str()), ("revision", "1")]).await, StatusCode::CONFLICT, "default").await;
    ok(app.post(&admin, "/api/post-mortem-templates/delete", &[("id", short.as_str()), ("revision", "1")]).await, "delete").await;
}

http_tests!(
    admins_edit_templates_and_new_post_mortems_follow_them,
    a_post_mortem_is_changed_only_by_the_right_people_at_each_step,
    markdown_with_script_payloads_is_rendered_harmless_and_exported,
    action_items_check_their_fields_and_keep_viewers_out,
    owners_are_reminded_once_before_and_after_the_deadline,
);
