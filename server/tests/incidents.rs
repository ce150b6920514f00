//! Incidents over HTTP, on SQLite and on Postgres: who may call what, conflicts, the state
//! machine, pages without JavaScript, safe Markdown and live updates.

mod support;

use reqwest::header::{ACCEPT, LOCATION};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use std::time::Duration;
use support::*;

/// Who may call a server function.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Needs {
    /// Anyone signed in.
    View,
    /// Responders and admins.
    Respond,
    /// Admins only.
    Admin,
}

async fn status_of(app: &TestApp, client: &Client, path: &str, form: &[(String, String)]) -> StatusCode {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post(client, path, &form).await.status()
}

/// Every incident and catalog server function, called as anonymous, viewer, responder and admin:
/// anonymous callers must sign in (401); people without the permission get 403; people with it
/// are not refused for who they are (the call itself may still fail validation).
async fn every_incident_and_catalog_function_checks_who_is_asking(app: &TestApp) {
    let admin = app.admin().await;
    let viewer = app.signed_in_as(&admin, "viewer@example.com", "viewer").await;
    let responder = app.signed_in_as(&admin, "responder@example.com", "responder").await;
    let responder_id = app.db.store.user_by_email("responder@example.com").await.unwrap().unwrap().user.id.to_string();
    // The responder commands this incident, so they may correct its key times.
    let id = app.declare_incident(&admin, "Matrix incident", &[("commander_id", &responder_id)]).await;
    let note: Value = {
        let response = app.post(&responder, "/api/incidents/notes/add", &[("incident_id", &id.to_string()), ("body", "First note")]).await;
        assert_eq!(response.status(), StatusCode::OK);
        app.incident(&responder, id).await["timeline"][0]["event"].clone()
    };
    let (incident, event) = (id.to_string(), note["id"].to_string());
    let pairs = |items: &[(&str, &str)]| -> Vec<(String, String)> { items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
    let calls: Vec<(&str, Needs, Vec<(String, String)>)> = vec![
        ("/api/incidents/list", Needs::View, pairs(&[("status", ""), ("severity", ""), ("service", ""), ("incident_type", ""), ("mine", ""), ("drill", ""), ("from", ""), ("to", ""), ("q", ""), ("sort", ""), ("cursor", "")])),
        ("/api/incidents/get", Needs::View, pairs(&[("incident_id", &incident), ("pinned", "false"), ("before", "")])),
        ("/api/incidents/notes/history", Needs::View, pairs(&[("event_id", &event)])),
        ("/api/severities/list", Needs::View, pairs(&[("page", "1")])),
        ("/api/services/list", Needs::View, pairs(&[("page", "1")])),
        ("/api/role-types/list", Needs::View, pairs(&[("page", "1")])),
        ("/api/incident-types/list", Needs::View, pairs(&[("page", "1")])),
        ("/api/incidents/declare-form", Needs::Respond, vec![]),
        ("/api/incidents/declare", Needs::Respond, pairs(&[("title", "Declared in the matrix"), ("severity_id", "2")])),
        ("/api/incidents/status", Needs::Respond, pairs(&[("incident_id", &incident), ("status", "investigating"), ("revision", "0")])),
        ("/api/incidents/severity", Needs::Respond, pairs(&[("incident_id", &incident), ("severity_id", "2"), ("revision", "0")])),
        ("/api/incidents/update", Needs::Respond, pairs(&[("incident_id", &incident), ("title", "Renamed"), ("severity_id", "1"), ("revision", "0")])),
        ("/api/incidents/key-times", Needs::Respond, pairs(&[("incident_id", &incident), ("revision", "0"), ("started_at", ""), ("detected_at", "")])),
        ("/api/incidents/roles/assign", Needs::Respond, pairs(&[("incident_id", &incident), ("role_type_id", "3"), ("user_id", &responder_id), ("current_holder", "0")])),
        ("/api/incidents/roles/unassign", Needs::Respond, pairs(&[("incident_id", &incident), ("role_type_id", "3"), ("current_holder", &responder_id)])),
        ("/api/incidents/checklist", Needs::Respond, pairs(&[("incident_id", &incident), ("role_type_id", "1"), ("item", "Confirm the severity"), ("ticked", "true")])),
        ("/api/incidents/notes/add", Needs::Respond, pairs(&[("incident_id", &incident), ("body", "Matrix note")])),
        ("/api/incidents/timeline/pin", Needs::Respond, pairs(&[("event_id", &event), ("pinned", "true")])),
        ("/api/severities/create", Needs::Admin, pairs(&[("name", "SEV9"), ("description", "")])),
        ("/api/severities/update", Needs::Admin, pairs(&[("severity_id", "4"), ("name", "SEV4"), ("description", "Low"), ("revision", "0")])),
        ("/api/severities/move", Needs::Admin, pairs(&[("severity_id", "4"), ("direction", "up"), ("revision", "0")])),
        ("/api/services/create", Needs::Admin, pairs(&[("name", "Matrix"), ("description", ""), ("owner_team", ""), ("owner_user_id", "0"), ("parent_id", "0")])),
        ("/api/services/update", Needs::Admin, pairs(&[("service_id", "1"), ("name", "Matrix"), ("description", ""), ("owner_team", ""), ("owner_user_id", "0"), ("parent_id", "0"), ("revision", "0")])),
        ("/api/role-types/create", Needs::Admin, pairs(&[("name", "Liaison"), ("description", ""), ("checklist", "")])),
        ("/api/role-types/update", Needs::Admin, pairs(&[("role_type_id", "2"), ("name", "Comms"), ("description", ""), ("checklist", ""), ("revision", "0")])),
        ("/api/incident-types/create", Needs::Admin, pairs(&[("name", "Security"), ("description", ""), ("default_severity_id", "0")])),
        ("/api/incident-types/update", Needs::Admin, pairs(&[("incident_type_id", "1"), ("name", "Security"), ("description", ""), ("default_severity_id", "0"), ("revision", "0")])),
    ];
    let anonymous = client();
    for (path, needs, form) in &calls {
        assert_eq!(status_of(app, &anonymous, path, form).await, StatusCode::UNAUTHORIZED, "anonymous {path}");
        let as_viewer = status_of(app, &viewer, path, form).await;
        if *needs == Needs::View {
            assert_eq!(as_viewer, StatusCode::OK, "viewer reads {path}");
        } else {
            assert_eq!(as_viewer, StatusCode::FORBIDDEN, "viewer changes nothing: {path}");
        }
        let as_responder = status_of(app, &responder, path, form).await;
        if *needs == Needs::Admin {
            assert_eq!(as_responder, StatusCode::FORBIDDEN, "responder {path}");
        } else {
            assert!(!matches!(as_responder.as_u16(), 401 | 403), "responder may call {path}, got {as_responder}");
        }
        let as_admin = status_of(app, &admin, path, form).await;
        assert!(!matches!(as_admin.as_u16(), 401 | 403), "admin may call {path}, got {as_admin}");
    }
    // A note belongs to its author: the viewer and the admin may not rewrite the responder's note.
    let edit = pairs(&[("event_id", &event), ("body", "Edited"), ("occurred_at", "2020-01-01T00:00"), ("revision", "1")]);
    assert_eq!(status_of(app, &anonymous, "/api/incidents/notes/edit", &edit).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_of(app, &viewer, "/api/incidents/notes/edit", &edit).await, StatusCode::FORBIDDEN);
    assert_eq!(status_of(app, &admin, "/api/incidents/notes/edit", &edit).await, StatusCode::FORBIDDEN);
    assert_eq!(status_of(app, &responder, "/api/incidents/notes/edit", &edit).await, StatusCode::OK);
    // Key times belong to the commander (and admins): another responder is refused.
    let other = app.signed_in_as(&admin, "second@example.com", "responder").await;
    let form = pairs(&[("incident_id", &incident), ("revision", "0"), ("started_at", ""), ("detected_at", "")]);
    assert_eq!(status_of(app, &other, "/api/incidents/key-times", &form).await, StatusCode::FORBIDDEN);
    // The viewer's refused calls changed nothing.
    let seen = app.incident(&viewer, id).await;
    assert_eq!(seen["can_respond"], false);
    assert!(seen["next_statuses"].as_array().unwrap().is_empty(), "a viewer is offered no status changes");
}

async fn a_stale_edit_is_a_conflict_and_the_newer_state_is_kept(app: &TestApp) {
    let admin = app.admin().await;
    let id = app.declare_incident(&admin, "Two editors", &[]).await;
    let revision = app.incident(&admin, id).await["summary"]["incident"]["revision"].as_i64().unwrap().to_string();
    let id_text = id.to_string();
    let admin = &admin;
    let move_to = |status: &'static str| {
        let (id_text, revision) = (id_text.clone(), revision.clone());
        async move { app.post(admin, "/api/incidents/status", &[("incident_id", &id_text), ("status", status), ("revision", &revision)]).await }
    };
    assert_eq!(move_to("investigating").await.status(), StatusCode::OK);
    let second = move_to("identified").await;
    assert_eq!(second.status(), StatusCode::CONFLICT);
    let err: Value = second.json().await.unwrap();
    assert!(err["Conflict"]["message"].as_str().unwrap().contains("Someone else changed this incident"), "{err}");
    let now = app.incident(&admin, id).await;
    assert_eq!(now["summary"]["incident"]["status"], "investigating", "the first change stands");

    // The severity alone, from the Status card: with the current revision, and said on the timeline.
    let stale = app.post(admin, "/api/incidents/severity", &[("incident_id", &id_text), ("severity_id", "2"), ("revision", &revision)]).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let current = now["summary"]["incident"]["revision"].as_i64().unwrap().to_string();
    let bad = app.post(admin, "/api/incidents/severity", &[("incident_id", &id_text), ("severity_id", "999"), ("revision", &current)]).await;
    assert_eq!(bad.json::<Value>().await.unwrap()["Invalid"]["field"], "severity_id");
    let changed = app.post(admin, "/api/incidents/severity", &[("incident_id", &id_text), ("severity_id", "2"), ("revision", &current)]).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let after = app.incident(admin, id).await;
    assert_eq!(after["summary"]["incident"]["severity_name"], "SEV2");
    assert_eq!(after["timeline"][0]["event"]["body"], "Ada Admin changed the severity: SEV1 → SEV2.");

    // A role changed by someone else meanwhile is a conflict too.
    let bob = app.db.store.user_by_email(ADMIN_EMAIL).await.unwrap().unwrap().user.id;
    let form = [("incident_id", id_text.as_str()), ("role_type_id", "3"), ("user_id", &bob.to_string()), ("current_holder", "0")];
    assert_eq!(app.post(&admin, "/api/incidents/roles/assign", &form).await.status(), StatusCode::OK);
    let again = app.post(&admin, "/api/incidents/roles/assign", &[("incident_id", &id_text), ("role_type_id", "3"), ("user_id", "999"), ("current_holder", "0")]).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY, "an unknown person is refused before anything else");
    let taken = app.signed_in_as(&admin, "cyd@example.com", "responder").await;
    let cyd = app.db.store.user_by_email("cyd@example.com").await.unwrap().unwrap().user.id.to_string();
    let raced = app.post(&taken, "/api/incidents/roles/assign", &[("incident_id", &id_text), ("role_type_id", "3"), ("user_id", &cyd), ("current_holder", "0")]).await;
    assert_eq!(raced.status(), StatusCode::CONFLICT);
}

async fn illegal_transitions_are_refused_with_their_reason(app: &TestApp) {
    let admin = app.admin().await;
    let id = app.declare_incident(&admin, "Transitions", &[]).await.to_string();
    let admin = &admin;
    let change = |status: &'static str| {
        let id = id.clone();
        async move {
            let revision = app.incident(admin, id.parse().unwrap()).await["summary"]["incident"]["revision"].to_string();
            app.post(admin, "/api/incidents/status", &[("incident_id", &id), ("status", status), ("revision", &revision)]).await
        }
    };
    let refused = change("closed").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = refused.json().await.unwrap();
    assert_eq!(err["Invalid"]["message"], "Resolve the incident before closing it.");
    assert_eq!(change("resolved").await.status(), StatusCode::OK);
    let reopened = change("investigating").await;
    assert_eq!(reopened.status(), StatusCode::OK, "reopening a resolved incident is allowed");
    let view = app.incident(&admin, id.parse().unwrap()).await;
    assert_eq!(view["timeline"][0]["event"]["kind"], "reopened", "and recorded as such");
    assert!(view["summary"]["incident"]["key_times"]["resolved"].is_null());
    assert_eq!(change("resolved").await.status(), StatusCode::OK);
    assert_eq!(change("closed").await.status(), StatusCode::OK);
    let after_close = change("investigating").await;
    assert_eq!(after_close.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Merging: into an open incident only, and both timelines say so.
    let duplicate = app.declare_incident(admin, "Duplicate report", &[]).await;
    let target = app.declare_incident(admin, "Main report", &[]).await;
    let merge = |into: String| async move {
        let revision = app.incident(admin, duplicate).await["summary"]["incident"]["revision"].to_string();
        app.post(admin, "/api/incidents/status", &[("incident_id", &duplicate.to_string()), ("status", "merged"), ("revision", &revision), ("merge_into", &into)]).await
    };
    let into_closed = merge(format!("INC-{id}")).await;
    assert_eq!(into_closed.json::<Value>().await.unwrap()["Invalid"]["field"], "merge_into");
    assert_eq!(merge(format!("inc-{target}")).await.status(), StatusCode::OK);
    let merged = app.incident(admin, duplicate).await;
    assert_eq!(merged["summary"]["incident"]["status"], "merged");
    assert_eq!(merged["summary"]["incident"]["merged_into_id"], target);
    let main = app.incident(admin, target).await;
    assert!(main["timeline"][0]["event"]["body"].as_str().unwrap().contains(&format!("merged INC-{duplicate} (Duplicate report) into this incident")));
}

async fn an_incident_is_declared_without_javascript_and_shown_on_its_page(app: &TestApp) {
    let admin = app.admin().await;
    let service = app
        .post(&admin, "/api/services/create", &[("name", "Payments API"), ("description", ""), ("owner_team", "Payments"), ("owner_user_id", "0"), ("parent_id", "0")])
        .await;
    assert_eq!(service.status(), StatusCode::OK);
    let service_id = service.json::<Value>().await.unwrap()["id"].to_string();
    let response = admin
        .post(app.url("/api/incidents/declare"))
        .header(ACCEPT, "text/html")
        .header("referer", app.url("/incidents/declare"))
        .form(&[("title", "Card payments failing"), ("severity_id", "2"), ("service_ids[0]", &service_id), ("summary", "**Half** of payments fail"), ("is_drill", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(location.starts_with("/incidents/"), "{location}");
    let page = app.get(&admin, &location).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for expected in ["Card payments failing", "SEV2", "Payments API", "Drill", "Ada Admin", "Triage"] {
        assert!(html.contains(expected), "the page shows {expected}");
    }
    let list = app.get(&admin, "/incidents?q=card").await.text().await.unwrap();
    assert!(list.contains("Card payments failing"));
    let none = app.get(&admin, "/incidents?q=nothing-like-this").await.text().await.unwrap();
    assert!(none.contains("No incidents match"));
    let missing = app.get(&admin, "/incidents/99999").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

async fn bad_input_is_reported_on_its_field(app: &TestApp) {
    let admin = app.admin().await;
    let cases: [(&[(&str, &str)], &str); 3] = [
        (&[("title", "   "), ("severity_id", "1")], "title"),
        (&[("title", "Fine"), ("severity_id", "999")], "severity_id"),
        (&[("title", "Fine"), ("severity_id", "1"), ("service_ids[0]", "12345")], "service_ids"),
    ];
    for (form, field) in cases {
        let response = app.post(&admin, "/api/incidents/declare", form).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(response.json::<Value>().await.unwrap()["Invalid"]["field"], field);
    }
    // No severity: the incident type's default is used, and without one it is a field error.
    let kind = app
        .post(&admin, "/api/incident-types/create", &[("name", "Security"), ("description", ""), ("default_severity_id", "2")])
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .to_string();
    let typed = app.post(&admin, "/api/incidents/declare", &[("title", "Leaked key"), ("incident_type_id", &kind)]).await;
    assert_eq!(typed.status(), StatusCode::OK);
    let path: String = typed.json().await.unwrap();
    let typed_id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(app.incident(&admin, typed_id).await["summary"]["incident"]["severity_name"], "SEV2");
    let untyped = app.post(&admin, "/api/incidents/declare", &[("title", "No severity")]).await;
    assert_eq!(untyped.json::<Value>().await.unwrap()["Invalid"]["field"], "severity_id");

    let id = app.declare_incident(&admin, "Times", &[]).await.to_string();
    let revision = app.incident(&admin, id.parse().unwrap()).await["summary"]["incident"]["revision"].to_string();
    let response = app
        .post(&admin, "/api/incidents/key-times", &[("incident_id", &id), ("revision", &revision), ("started_at", "2026-01-02T10:00"), ("detected_at", "2026-01-01T10:00")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.json::<Value>().await.unwrap()["Invalid"]["field"], "detected_at");
}

async fn markdown_notes_are_rendered_harmless_and_edits_keep_history(app: &TestApp) {
    let admin = app.admin().await;
    let id = app.declare_incident(&admin, "Markdown", &[]).await;
    let body = "**Bold** <script>alert('x')</script> <img src=x onerror=alert(1)> </textarea><script>alert('y')</script>";
    let response = app.post(&admin, "/api/incidents/notes/add", &[("incident_id", &id.to_string()), ("body", body), ("occurred_at", "2026-01-01T08:00")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = app.get(&admin, &format!("/incidents/{id}")).await.text().await.unwrap();
    assert!(html.contains("<strong>Bold</strong>"));
    if let Some(at) = html.find("<script>alert") {
        panic!("no script reaches the page: …{}…", &html[at.saturating_sub(300)..(at + 100).min(html.len())]);
    }
    assert!(!html.contains("<img src=x onerror") && !html.contains("onerror=\"alert"), "no event handler reaches the page");
    let view = app.incident(&admin, id).await;
    let note = view["timeline"].as_array().unwrap().iter().find(|e| e["event"]["kind"] == "note").unwrap()["event"].clone();
    assert!(note["occurred_at"].as_str().unwrap().starts_with("2026-01-01T08:00"), "backdated in the viewer's zone (London is UTC in January)");
    // The edit form is drawn only for the note named in `?edit=`.
    assert!(!html.contains("Note text") && html.contains(&format!("href=\"/incidents/{id}?edit={}#entry-{}\"", note["id"], note["id"])));
    let html = app.get(&admin, &format!("/incidents/{id}?edit={}", note["id"])).await.text().await.unwrap();
    assert!(html.contains("Note text"), "the edit form is open");
    assert!(html.contains("&lt;/textarea&gt;&lt;script&gt;"), "the note's source is shown as text in its edit form");
    if let Some(at) = html.find("<script>alert") {
        panic!("no script reaches the edit form: …{}…", &html[at.saturating_sub(300)..(at + 100).min(html.len())]);
    }
    // A plain form post goes back to the incident with the form closed.
    let edit = admin
        .post(app.url("/api/incidents/notes/edit"))
        .header(ACCEPT, "text/html")
        .header("referer", app.url(&format!("/incidents/{id}?edit={}", note["id"])))
        .form(&[("event_id", &note["id"].to_string()), ("body", &"Corrected".to_string()), ("occurred_at", &"2026-01-01T08:05".to_string()), ("revision", &note["revision"].to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), StatusCode::FOUND);
    assert_eq!(edit.headers()[LOCATION].to_str().unwrap(), format!("/incidents/{id}#entry-{}", note["id"]));
    let history: Value = app.post(&admin, "/api/incidents/notes/history", &[("event_id", &note["id"].to_string())]).await.json().await.unwrap();
    assert_eq!(history[0]["body"], body);
}

/// Reads a server-sent events stream until an `incident` event for `id` arrives.
async fn hears_change(stream: &mut reqwest::Response, id: i64) -> bool {
    let wanted = format!("event: incident\ndata: {id}\n");
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while tokio::time::Instant::now() < deadline {
        match tokio::time::timeout_at(deadline, stream.chunk()).await {
            Ok(Ok(Some(bytes))) => {
                seen.push_str(&String::from_utf8_lossy(&bytes));
                if seen.contains(&wanted) {
                    return true;
                }
            }
            _ => return false,
        }
    }
    false
}

async fn live_listeners_hear_about_every_change(app: &TestApp) {
    let admin = app.admin().await;
    let viewer = app.signed_in_as(&admin, "viewer@example.com", "viewer").await;
    let anonymous = app.get(&client(), "/api/live").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let id = app.declare_incident(&admin, "Live", &[]).await;
    let mut stream = app.get(&viewer, "/api/live").await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let started = std::time::Instant::now();
    app.post(&admin, "/api/incidents/notes/add", &[("incident_id", &id.to_string()), ("body", "Heard live")]).await;
    assert!(hears_change(&mut stream, id).await, "the viewer hears the new note");
    assert!(started.elapsed() < Duration::from_secs(1), "within a second: {:?}", started.elapsed());

    // A second instance on the same database: its listeners hear changes made here. With SQLite
    // Quell runs as one instance, so this part is for Postgres only.
    if app.db.store.announces_through_database() {
        let other = app.another_instance().await;
        let mut remote = viewer.get(other.url("/api/live")).send().await.unwrap();
        assert_eq!(remote.status(), StatusCode::OK);
        // Give the other instance's LISTEN a moment to be in place.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let revision = app.incident(&admin, id).await["summary"]["incident"]["revision"].to_string();
        app.post(&admin, "/api/incidents/status", &[("incident_id", &id.to_string()), ("status", "investigating"), ("revision", &revision)]).await;
        assert!(hears_change(&mut remote, id).await, "a viewer on another instance hears the change");
        drop(remote);
        other.stop().await;
    }
}

/// Reads whatever a stream sends within `wait`.
async fn read_for(stream: &mut reqwest::Response, wait: Duration) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Ok(Some(bytes))) = tokio::time::timeout_at(deadline, stream.chunk()).await {
        seen.push_str(&String::from_utf8_lossy(&bytes));
    }
    seen
}

/// The mark a page was rendered with.
async fn page_mark(app: &TestApp, client: &Client, path: &str) -> String {
    let page = app.get(client, path).await.text().await.unwrap();
    page.split("name=\"quell-live-mark\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page carries its mark")
        .to_string()
}

/// A page connects with the mark it was rendered with; a change made between the render and the
/// connection is told at once, and only to pages it concerns.
async fn a_page_that_connects_late_hears_what_changed_while_it_loaded(app: &TestApp) {
    let admin = app.admin().await;
    let viewer = app.signed_in_as(&admin, "viewer@example.com", "viewer").await;
    let id = app.declare_incident(&admin, "Loading", &[]).await;
    let other = app.declare_incident(&admin, "Elsewhere", &[]).await;
    let mark = page_mark(app, &viewer, &format!("/incidents/{id}")).await;
    // The page's script is still loading when someone adds a note.
    app.post(&admin, "/api/incidents/notes/add", &[("incident_id", &id.to_string()), ("body", "While you loaded")]).await;

    let mut stream = app.get(&viewer, &format!("/api/live?since={mark}&incident={id}")).await;
    assert!(hears_change(&mut stream, id).await, "the late page hears of the note at once");
    // A list page rendered at the same mark reloads too.
    let mut list = app.get(&viewer, &format!("/api/live?since={mark}")).await;
    assert!(read_for(&mut list, Duration::from_secs(2)).await.contains("event: resync"));
    // A page rendered after the note is told nothing, however soon after; nor is a page of
    // another incident.
    let fresh = page_mark(app, &viewer, &format!("/incidents/{id}")).await;
    let mut quiet = app.get(&viewer, &format!("/api/live?since={fresh}&incident={id}")).await;
    assert!(!read_for(&mut quiet, Duration::from_millis(300)).await.contains("event:"));
    let mut elsewhere = app.get(&viewer, &format!("/api/live?since={mark}&incident={other}")).await;
    assert!(!read_for(&mut elsewhere, Duration::from_millis(300)).await.contains("event:"));
    // A reconnecting browser's Last-Event-ID is newer than the page's mark, and wins.
    let resumed = viewer
        .get(app.url(&format!("/api/live?since={mark}&incident={id}")))
        .header("last-event-id", &fresh)
        .send()
        .await
        .unwrap();
    let mut resumed = resumed;
    assert!(!read_for(&mut resumed, Duration::from_millis(300)).await.contains("event:"));
    // Every event says where it stands, for the next connection.
    app.post(&admin, "/api/incidents/notes/add", &[("incident_id", &id.to_string()), ("body", "Later")]).await;
    let heard = read_for(&mut quiet, Duration::from_secs(1)).await;
    assert!(heard.contains(&format!("data: {id}")) && heard.contains("id: "), "{heard}");
    // A mark that doesn't parse counts as old: reload.
    let mut odd = app.get(&viewer, &format!("/api/live?since=yesterday&incident={id}")).await;
    assert_eq!(odd.status(), StatusCode::OK);
    assert!(hears_change(&mut odd, id).await);
}

/// The list's counts: exact (from the kept counts) by status and drill flag, capped past
/// `COUNT_LIMIT` for other filters.
async fn the_list_counts_by_status_and_says_more_than_past_the_limit(app: &TestApp) {
    let admin = app.admin().await;
    let first = app.declare_incident(&admin, "Counted checkout", &[]).await;
    app.declare_incident(&admin, "Counted login", &[]).await;
    let list = |query: &str| {
        let (app, admin, query) = (app, &admin, query.to_string());
        async move {
            let form: Vec<(&str, String)> = ["status", "severity", "service", "incident_type", "mine", "drill", "from", "to", "q", "sort", "cursor"]
                .into_iter()
                .map(|name| (name, query.split('&').find_map(|pair| pair.strip_prefix(&format!("{name}="))).unwrap_or("").to_string()))
                .collect();
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let view: Value = app.post(admin, "/api/incidents/list", &form).await.json().await.unwrap();
            view
        }
    };
    let all = list("").await;
    assert_eq!(all["total"], 2);
    assert_eq!(all["counts_capped"], false);
    let triage = all["status_counts"].as_array().unwrap().iter().find(|c| c[0] == "triage").unwrap()[1].clone();
    assert_eq!(triage, 2);
    let revision = app.incident(&admin, first).await["summary"]["incident"]["revision"].to_string();
    app.post(&admin, "/api/incidents/status", &[("incident_id", &first.to_string()), ("status", "investigating"), ("revision", &revision)]).await;
    let open = list("status=open").await;
    assert_eq!(open["total"], 2);
    assert_eq!(open["open_total"], 2);
    let investigating = list("status=investigating").await;
    assert_eq!(investigating["total"], 1);
    let searched = list("q=checkout").await;
    assert_eq!((searched["total"].clone(), searched["counts_capped"].clone()), (Value::from(1), Value::from(false)));
    let drills = list("drill=true").await;
    assert_eq!(drills["total"], 0);

    // Past the limit, a search says "more than".
    app.db.store.seed_incidents_for_tests(app::domain::incident::COUNT_LIMIT + 5, "Checkout slow").await;
    let searched = list("q=checkout").await;
    assert_eq!(searched["counts_capped"], true);
    assert!(searched["total"].as_i64().unwrap() > app::domain::incident::COUNT_LIMIT);
    let page = app.get(&admin, "/incidents?q=checkout").await.text().await.unwrap();
    assert!(page.contains("More than 1,000 incidents"), "{page}");
    let all = list("").await;
    assert_eq!(all["total"], app::domain::incident::COUNT_LIMIT + 7, "unfiltered counts stay exact");
    assert_eq!(all["counts_capped"], false);
}

async fn a_fresh_install_says_there_are_no_incidents_yet(app: &TestApp) {
    let admin = app.admin().await;
    let page = app.get(&admin, "/incidents").await.text().await.unwrap();
    assert!(page.contains("No incidents yet") && !page.contains("No incidents match"), "{page}");
    assert!(page.contains("card open-incidents quiet"), "nothing open: not red");
    let filtered = app.get(&admin, "/incidents?q=checkout").await.text().await.unwrap();
    assert!(filtered.contains("No incidents match"), "{filtered}");
    app.declare_incident(&admin, "Checkout down", &[]).await;
    let page = app.get(&admin, "/incidents").await.text().await.unwrap();
    assert!(!page.contains("open-incidents quiet") && !page.contains("No incidents yet"), "{page}");
}

/// The incident page and the list are made once per version of what they show and kept for
/// everyone (`state::views`): every kind of change shows at the next read, here and, on
/// Postgres, on another instance once it hears of it.
async fn kept_views_show_every_change_at_the_next_read(app: &TestApp) {
    let admin = app.admin().await;
    let viewer = app.signed_in_as(&admin, "viewer@example.com", "viewer").await;
    let id = app.declare_incident(&admin, "Kept view", &[]).await;
    let list = |client: &Client| {
        let form = [("status", ""), ("severity", ""), ("service", ""), ("incident_type", ""), ("mine", ""), ("drill", ""), ("from", ""), ("to", ""), ("q", ""), ("sort", ""), ("cursor", "")];
        let client = client.clone();
        async move { app.post(&client, "/api/incidents/list", &form).await.json::<Value>().await.unwrap() }
    };
    let row = |list: &Value| list["rows"].as_array().unwrap().iter().find(|r| r["id"] == id).cloned().unwrap();
    // Read twice by two people: one view, shaped for each.
    for client in [&admin, &viewer, &admin] {
        assert_eq!(app.incident(client, id).await["summary"]["incident"]["title"], "Kept view");
        assert_eq!(row(&list(client).await)["title"], "Kept view");
    }
    assert_eq!(app.incident(&viewer, id).await["can_respond"], false, "shaped for the viewer");
    assert_eq!(app.incident(&admin, id).await["can_respond"], true);

    // The incident itself: a note.
    app.post(&admin, "/api/incidents/notes/add", &[("incident_id", &id.to_string()), ("body", "Seen at once")]).await;
    let timeline = app.incident(&viewer, id).await["timeline"].to_string();
    assert!(timeline.contains("Seen at once"), "{timeline}");

    // The catalog: the severity's name, on the page and in the list.
    let severity = app.incident(&admin, id).await["summary"]["incident"]["severity_id"].as_i64().unwrap();
    let severities: Value = app.post(&admin, "/api/severities/list", &[("page", "1")]).await.json().await.unwrap();
    let revision = severities["rows"].as_array().unwrap().iter().find(|s| s["id"] == severity).unwrap()["revision"].to_string();
    let renamed = app
        .post(&admin, "/api/severities/update", &[("severity_id", &severity.to_string()), ("name", "Renamed severity"), ("description", "d"), ("revision", &revision)])
        .await;
    assert_eq!(renamed.status(), StatusCode::OK, "{:?}", renamed.text().await);
    assert_eq!(app.incident(&viewer, id).await["summary"]["incident"]["severity_name"], "Renamed severity");
    assert_eq!(row(&list(&viewer).await)["severity_name"], "Renamed severity");
    let choices = app.incident(&admin, id).await["severities"].to_string();
    assert!(choices.contains("Renamed severity"), "{choices}");

    // People: the commander's name.
    let profile: Value = app.post(&admin, "/api/profile", &[]).await.json().await.unwrap();
    let changed = app
        .post(&admin, "/api/profile/update", &[("display_name", "Ada Renamed"), ("time_zone", "UTC"), ("revision", &profile["user"]["revision"].to_string())])
        .await;
    assert_eq!(changed.status(), StatusCode::OK, "{:?}", changed.text().await);
    assert_eq!(row(&list(&viewer).await)["commander"], "Ada Renamed");
    assert!(app.incident(&viewer, id).await["roles"].to_string().contains("Ada Renamed"));

    // Who the updates go to: the viewer follows the incident.
    app.post(&viewer, "/api/incidents/subscribe", &[("incident_id", &id.to_string()), ("subscribe", "true")]).await;
    let recipients = app.incident(&admin, id).await["recipients"].clone();
    assert!(recipients["people"].to_string().contains("Test Person"), "{recipients}");
    let viewers = app.incident(&viewer, id).await["recipients"]["my_subscription"].clone();
    assert!(viewers.is_number(), "{viewers}");
    // The declarer follows too, with a subscription of their own.
    assert_ne!(app.incident(&admin, id).await["recipients"]["my_subscription"], viewers, "each sees their own");

    // Another instance: it keeps its own views and makes them again when it hears of a change.
    if app.db.store.announces_through_database() {
        let other = app.another_instance().await;
        let remote = |client: &Client| {
            let (client, url) = (client.clone(), other.url("/api/incidents/get"));
            async move {
                let form = [("incident_id", id.to_string()), ("pinned", "false".into()), ("before", String::new())];
                client.post(url).form(&form).send().await.unwrap().json::<Value>().await.unwrap()
            }
        };
        assert!(!remote(&viewer).await["timeline"].to_string().contains("Heard over there"));
        app.post(&admin, "/api/incidents/notes/add", &[("incident_id", &id.to_string()), ("body", "Heard over there")]).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        loop {
            if remote(&viewer).await["timeline"].to_string().contains("Heard over there") {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the other instance shows the note within 2 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        other.stop().await;
    }
}

http_tests!(
    a_fresh_install_says_there_are_no_incidents_yet,
    every_incident_and_catalog_function_checks_who_is_asking,
    a_stale_edit_is_a_conflict_and_the_newer_state_is_kept,
    illegal_transitions_are_refused_with_their_reason,
    an_incident_is_declared_without_javascript_and_shown_on_its_page,
    bad_input_is_reported_on_its_field,
    markdown_notes_are_rendered_harmless_and_edits_keep_history,
    live_listeners_hear_about_every_change,
    a_page_that_connects_late_hears_what_changed_while_it_loaded,
    the_list_counts_by_status_and_says_more_than_past_the_limit,
    kept_views_show_every_change_at_the_next_read,
);
