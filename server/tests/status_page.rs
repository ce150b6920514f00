//! Updates and the public status page over HTTP, on SQLite and on Postgres: who may publish and
//! configure, what reaches the public page (and what never does), caching, the feed and the
//! summary, and maintenance windows that start and end by themselves.

mod support;

use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, SET_COOKIE};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use support::*;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

async fn status_of(app: &TestApp, client: &Client, path: &str, form: &[(String, String)]) -> StatusCode {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post(client, path, &form).await.status()
}

/// Creates a public service as the admin and returns its id.
async fn public_service(app: &TestApp, admin: &Client, name: &str) -> i64 {
    let response = app
        .post(
            admin,
            "/api/services/create",
            &[("name", name), ("description", ""), ("owner_team", ""), ("owner_user_id", "0"), ("parent_id", "0"), ("public", "true")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let service: Value = response.json().await.unwrap();
    assert_eq!(service["public"], true);
    service["id"].as_i64().unwrap()
}

async fn publish(app: &TestApp, client: &Client, form: &[(&str, &str)]) -> reqwest::Response {
    app.post(client, "/api/incidents/updates/publish", form).await
}

/// The public page as an anonymous visitor sees it: it must set no cookie.
async fn public_page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.get(&bare_client(), path).await;
    assert!(response.headers().get(SET_COOKIE).is_none(), "{path} sets no cookie");
    (response.status(), response.text().await.unwrap())
}

async fn updates_and_status_page_settings_check_who_is_asking(app: &TestApp) {
    let admin = app.admin().await;
    let viewer = app.signed_in_as(&admin, "viewer@example.com", "viewer").await;
    let responder = app.signed_in_as(&admin, "responder@example.com", "responder").await;
    let id = app.declare_incident(&admin, "Matrix incident", &[]).await.to_string();
    let calls = [
        ("/api/status-page/settings/get", "view", pairs(&[("page", "1")])),
        ("/api/incidents/updates/publish", "respond", pairs(&[("incident_id", &id), ("message", "Looking"), ("internal", "true")])),
        ("/api/status-page/settings/update", "admin", pairs(&[("title", "Acme"), ("logo_text", "Acme"), ("accent_color", "#123456"), ("revision", "0")])),
        ("/api/status-page/templates/update", "admin", pairs(&[("status", "investigating"), ("body", "Hi"), ("revision", "0")])),
        ("/api/status-page/maintenance/create", "admin", pairs(&[("title", "Upgrade"), ("starts_at", ""), ("ends_at", "")])),
        ("/api/status-page/maintenance/cancel", "admin", pairs(&[("maintenance_id", "1"), ("revision", "1")])),
        ("/api/notifications/get", "view", pairs(&[("status", ""), ("page", "1")])),
        ("/api/incidents/subscribe", "view", pairs(&[("incident_id", &id), ("subscribe", "true")])),
        ("/api/subscriptions/create", "view", pairs(&[("severity_id", "1")])),
        ("/api/incidents/subscribers/add", "respond", pairs(&[("incident_id", &id), ("email", "partner@example.org")])),
        ("/api/subscriptions/create", "admin", pairs(&[("email", "outside@example.org")])),
        ("/api/webhooks/create", "admin", pairs(&[("name", "Ops"), ("url", "https://hooks.example/x"), ("format", "json")])),
        ("/api/webhooks/update", "admin", pairs(&[("webhook_id", "1"), ("name", "Ops"), ("url", "https://hooks.example/x"), ("format", "json"), ("revision", "1")])),
        ("/api/deliveries/retry", "admin", pairs(&[("delivery_id", "1")])),
    ];
    for (path, needs, form) in &calls {
        assert_eq!(status_of(app, &client(), path, form).await, StatusCode::UNAUTHORIZED, "anonymous {path}");
        let as_viewer = status_of(app, &viewer, path, form).await;
        assert_eq!(as_viewer == StatusCode::OK, *needs == "view", "viewer {path}: {as_viewer}");
        if *needs != "view" {
            assert_eq!(as_viewer, StatusCode::FORBIDDEN, "viewer changes nothing: {path}");
        }
        let as_responder = status_of(app, &responder, path, form).await;
        assert_eq!(as_responder == StatusCode::FORBIDDEN, *needs == "admin", "responder {path}: {as_responder}");
        let as_admin = status_of(app, &admin, path, form).await;
        assert!(!matches!(as_admin.as_u16(), 401 | 403), "admin may call {path}, got {as_admin}");
    }
    let seen = app.incident(&viewer, id.parse().unwrap()).await;
    assert_eq!(seen["updates"]["can_publish"], false, "a viewer gets no composer");
    // Subscriptions belong to their owner: the viewer can't remove the responder's.
    let responders: Value = app.post(&responder, "/api/notifications/get", &[("status", ""), ("page", "1")]).await.json().await.unwrap();
    let theirs = responders["mine"][0]["id"].to_string();
    let refused = app.post(&viewer, "/api/subscriptions/delete", &[("subscription_id", &theirs)]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post(&responder, "/api/subscriptions/delete", &[("subscription_id", &theirs)]).await.status(), StatusCode::OK);
    let viewers: Value = app.post(&viewer, "/api/notifications/get", &[("status", ""), ("page", "1")]).await.json().await.unwrap();
    assert!(viewers["deliveries"].as_array().unwrap().is_empty() && viewers["webhooks"].as_array().unwrap().is_empty(), "the delivery log is for admins");
}

async fn a_public_update_reaches_the_status_page_and_an_internal_one_never_does(app: &TestApp) {
    let admin = app.admin().await;
    let api = public_service(app, &admin, "Checkout API").await;
    let id = app.declare_incident(&admin, "db-3 primary OOM", &[("service_ids[0]", &api.to_string())]).await;
    let id_text = id.to_string();
    let (_, before) = public_page(app, "/status").await;
    assert!(before.contains("All systems operational"), "{before}");
    assert!(before.contains("Checkout API"));

    let internal = publish(app, &admin, &[("incident_id", &id_text), ("message", "Secret: db-3 ran out of memory"), ("internal", "true")]).await;
    assert_eq!(internal.status(), StatusCode::OK);
    let (_, page) = public_page(app, "/status").await;
    assert!(!page.contains("Secret"), "internal updates never reach the public page");
    assert!(!page.contains("Active incidents"));

    let component = format!("{api}:partial_outage");
    let public = publish(
        app,
        &admin,
        &[
            ("incident_id", &id_text),
            ("message", "Some **payments** are failing. <script>alert(1)</script>"),
            ("public", "true"),
            ("public_title", "Payments failing"),
            ("components[0]", &component),
        ],
    )
    .await;
    assert_eq!(public.status(), StatusCode::OK, "{:?}", public.text().await);
    let response = app.get(&bare_client(), "/status").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(SET_COOKIE).is_none());
    assert_eq!(response.headers()[CACHE_CONTROL], "public, max-age=10");
    let etag = response.headers()[ETAG].to_str().unwrap().to_string();
    let page = response.text().await.unwrap();
    assert!(page.contains("Payments failing"));
    assert!(page.contains("<strong>payments</strong>"));
    assert!(!page.contains("<script>alert"), "Markdown is sanitized");
    assert!(page.contains("Partial outage"));
    assert!(!page.contains("db-3"), "the internal title and the internal update stay internal");
    assert!(!page.contains("Ada Admin"), "no names of people");
    assert!(!page.contains("<script"), "the page needs no script");
    let again = bare_client().get(app.url("/status")).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let zipped = bare_client().get(app.url("/status")).header(reqwest::header::ACCEPT_ENCODING, "br, gzip;q=0.9").send().await.unwrap();
    assert_eq!(zipped.headers()[reqwest::header::CONTENT_ENCODING], "gzip");
    assert_eq!(zipped.headers()[ETAG].to_str().unwrap(), etag, "one representation, one validator");
    let compressed = zipped.bytes().await.unwrap();
    assert_eq!(&compressed[..2], &[0x1f, 0x8b], "gzip data");
    assert!(compressed.len() * 3 < page.len(), "{} bytes compressed, {} plain", compressed.len(), page.len());

    let (status, incident_page) = public_page(app, &format!("/status/incidents/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(incident_page.contains("Payments failing") && !incident_page.contains("Secret"));
    let (status, _) = public_page(app, "/status/incidents/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, history) = public_page(app, "/status/history").await;
    assert!(history.contains("Payments failing"));

    let summary: Value = bare_client().get(app.url("/status/summary.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(summary["status"]["indicator"], "partial_outage");
    assert_eq!(summary["components"][0]["status"], "partial_outage");
    assert_eq!(summary["incidents"][0]["name"], "Payments failing");
    assert_eq!(summary["incidents"][0]["updates"].as_array().unwrap().len(), 1);
    assert!(!summary.to_string().contains("Secret"));

    let feed_response = bare_client().get(app.url("/status/feed.atom")).send().await.unwrap();
    assert!(feed_response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/atom+xml"));
    let feed = feed_rs::parser::parse(feed_response.bytes().await.unwrap().as_ref()).expect("the Atom feed parses");
    assert_eq!(feed.entries.len(), 1);
    assert!(feed.entries[0].title.as_ref().unwrap().content.contains("Payments failing"));
    assert!(feed.entries[0].links[0].href.ends_with(&format!("/status/incidents/{id}")));

    // The incident page tells responders when the last update went out, and lists both.
    let seen = app.incident(&admin, id).await;
    assert_eq!(seen["updates"]["updates"].as_array().unwrap().len(), 2);
    assert_eq!(seen["updates"]["last_update"], "just now");
    assert_eq!(seen["updates"]["public_title"], "Payments failing");
    assert_eq!(seen["updates"]["components"][0]["state"], "PartialOutage");
    assert_eq!(seen["timeline"][0]["event"]["kind"], "update_published");

    // Drills never reach the status page.
    let drill = app.declare_incident(&admin, "Practice", &[("is_drill", "true")]).await.to_string();
    let refused = publish(app, &admin, &[("incident_id", &drill), ("message", "Drill"), ("public", "true"), ("public_title", "Drill")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = refused.json().await.unwrap();
    assert_eq!(err["Invalid"]["field"], "audience");
}

async fn bad_updates_are_refused_on_their_field(app: &TestApp) {
    let admin = app.admin().await;
    let api = public_service(app, &admin, "Web").await;
    let id = app.declare_incident(&admin, "Slow", &[]).await.to_string();
    let component = format!("{api}:major_outage");
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("incident_id", &id), ("message", "Hello")], "audience"),
        (vec![("incident_id", &id), ("message", "  "), ("internal", "true")], "message"),
        (vec![("incident_id", &id), ("message", "Hi"), ("public", "true"), ("public_title", " ")], "public_title"),
        (vec![("incident_id", &id), ("message", "Hi"), ("internal", "true"), ("components[0]", &component)], "components"),
        (vec![("incident_id", &id), ("message", "Hi"), ("public", "true"), ("public_title", "x"), ("components[0]", "1:on_fire")], "components"),
    ];
    for (form, field) in cases {
        let response = publish(app, &admin, &form).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let err: Value = response.json().await.unwrap();
        assert_eq!(err["Invalid"]["field"], field, "{err}");
    }
    assert_eq!(app.incident(&admin, id.parse().unwrap()).await["updates"]["total"], 0, "nothing was published");
    let bad_colour = app
        .post(&admin, "/api/status-page/settings/update", &[("title", "Acme"), ("logo_text", "Acme"), ("accent_color", "blue"), ("revision", "1")])
        .await;
    assert_eq!(bad_colour.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let backwards = app
        .post(
            &admin,
            "/api/status-page/maintenance/create",
            &[("title", "Upgrade"), ("starts_at", "2030-01-02T10:00"), ("ends_at", "2030-01-02T09:00"), ("service_ids[0]", &api.to_string())],
        )
        .await;
    let err: Value = backwards.json().await.unwrap();
    assert_eq!(err["Invalid"]["field"], "ends_at");
}

async fn a_maintenance_window_appears_runs_and_ends_by_itself(app: &TestApp) {
    let admin = app.admin().await;
    let api = public_service(app, &admin, "Search").await;
    // The admin's zone is Europe/London; the manual clock decides what "now" is.
    let start = app.clock_now() + chrono::Duration::hours(2);
    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&chrono_tz::Europe::London).format("%Y-%m-%dT%H:%M").to_string();
    let planned = app
        .post(
            &admin,
            "/api/status-page/maintenance/create",
            &[
                ("title", "Search index rebuild"),
                ("starts_at", &local(start)),
                ("ends_at", &local(start + chrono::Duration::hours(1))),
                ("message", "Search may be slow."),
                ("service_ids[0]", &api.to_string()),
            ],
        )
        .await;
    assert_eq!(planned.status(), StatusCode::OK, "{:?}", planned.text().await);
    let (_, upcoming) = public_page(app, "/status").await;
    assert!(upcoming.contains("Search index rebuild") && upcoming.contains("Scheduled"), "{upcoming}");
    assert!(upcoming.contains("All systems operational"));

    app.clock.advance(chrono::Duration::minutes(150));
    let (_, running) = public_page(app, "/status").await;
    assert!(running.contains("In progress"), "{running}");
    assert!(running.contains("Under maintenance"));
    assert!(running.contains("Scheduled maintenance in progress"));

    app.clock.advance(chrono::Duration::hours(1));
    let (_, ended) = public_page(app, "/status").await;
    assert!(!ended.contains("Search index rebuild"), "the window ended by itself");
    assert!(ended.contains("All systems operational"));
    let summary: Value = bare_client().get(app.url("/status/summary.json")).send().await.unwrap().json().await.unwrap();
    assert!(summary["scheduled_maintenances"].as_array().unwrap().is_empty());
}

async fn the_look_admins_choose_is_shown(app: &TestApp) {
    let admin = app.admin().await;
    let settings: Value = app.post(&admin, "/api/status-page/settings/get", &[("page", "1")]).await.json().await.unwrap();
    let revision = settings["revision"].to_string();
    let saved = app
        .post(&admin, "/api/status-page/settings/update", &[("title", "Acme status"), ("logo_text", "Acme"), ("accent_color", "#AB1234"), ("revision", &revision)])
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let stale = app
        .post(&admin, "/api/status-page/settings/update", &[("title", "Other"), ("logo_text", "Other"), ("accent_color", "#000000"), ("revision", &revision)])
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT, "a stale edit doesn't overwrite the newer one");
    let (_, page) = public_page(app, "/status").await;
    assert!(page.contains("<title>Acme status</title>") && page.contains(">Acme</a>"));
    let css_link = page.split("href=\"/status/style.css").nth(1).unwrap().split('"').next().unwrap().to_string();
    let css = bare_client().get(app.url(&format!("/status/style.css{css_link}"))).send().await.unwrap().text().await.unwrap();
    assert!(css.starts_with(":root{--accent:#ab1234}"), "{}", &css[..40]);
}

async fn an_update_is_published_without_javascript(app: &TestApp) {
    let admin = app.admin().await;
    let api = public_service(app, &admin, "Login").await;
    let id = app.declare_incident(&admin, "No-JS update", &[("service_ids[0]", &api.to_string())]).await;
    let page = format!("/incidents/{id}");
    let html = app.get(&admin, &page).await.text().await.unwrap();
    assert!(html.contains("name=\"components[0]\""), "the composer is in the server-rendered page");
    let form_post = |form: Vec<(&'static str, String)>| {
        admin
            .post(app.url("/api/incidents/updates/publish"))
            .header(reqwest::header::ACCEPT, "text/html")
            .header("referer", app.url(&page))
            .form(&form)
            .send()
    };
    let sent = form_post(vec![
        ("incident_id", id.to_string()),
        ("message", "Sign-in is slow for some people.".into()),
        ("public", "true".into()),
        ("public_title", "Slow sign-in".into()),
        ("components[0]", format!("{api}:degraded_performance")),
    ])
    .await
    .unwrap();
    assert_eq!(sent.status(), StatusCode::FOUND, "a plain form post goes back to the page");
    let html = app.get(&admin, &page).await.text().await.unwrap();
    assert!(html.contains("Sign-in is slow for some people."));
    let (_, status_page) = public_page(app, "/status").await;
    assert!(status_page.contains("Degraded performance") && status_page.contains("Slow sign-in"));
    // A bad one comes back with the error for the page to show beside its field.
    let refused = form_post(vec![("incident_id", id.to_string()), ("message", "x".into())]).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FOUND);
    let location = refused.headers()[reqwest::header::LOCATION].to_str().unwrap().to_string();
    assert!(location.contains("__err"), "{location}");
    let shown = app.get(&admin, location.strip_prefix(&app.address).unwrap_or(&location)).await.text().await.unwrap();
    assert!(shown.contains("Choose who the update is for"), "the error is on the page");
}

async fn control_characters_in_a_public_update_never_break_the_feed(app: &TestApp) {
    let admin = app.admin().await;
    let id = app.declare_incident(&admin, "Disk full", &[]).await.to_string();
    let form = [("incident_id", id.as_str()), ("message", "Fixed\u{1} it\u{c}\u{0}\nfor good"), ("public", "true"), ("public_title", "Slow\u{1} pages\u{85}")];
    let published = publish(app, &admin, &form).await;
    assert_eq!(published.status(), StatusCode::OK, "{:?}", published.text().await);
    // Text stored before forms dropped control characters (written straight into the database).
    let control = if app.db.store.is_postgres() { "chr(1)" } else { "char(1)" };
    app.db.store.execute_for_test(&format!("update updates set body_html = body_html || {control}, public_title = public_title || {control}")).await.unwrap();
    let response = bare_client().get(app.url("/status/feed.atom")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let feed = feed_rs::parser::parse(response.bytes().await.unwrap().as_ref()).expect("the Atom feed parses");
    assert_eq!(feed.entries[0].title.as_ref().unwrap().content, "Triage: Slow pages");
    let summary = bare_client().get(app.url("/status/summary.json")).send().await.unwrap().text().await.unwrap();
    assert!(summary.contains("Fixed it"), "{summary}");
}

async fn groups_show_their_own_state_once_and_young_components_say_since_when(app: &TestApp) {
    let admin = app.admin().await;
    public_service(app, &admin, "Website").await;
    let platform = public_service(app, &admin, "Platform").await;
    let created = app
        .post(&admin, "/api/services/create", &[("name", "API"), ("description", ""), ("owner_team", ""), ("owner_user_id", "0"), ("parent_id", &platform.to_string()), ("public", "true")])
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let (status, html) = public_page(app, "/status").await;
    assert_eq!(status, StatusCode::OK);
    // Platform is the group's heading with its state, never also a component beside it.
    assert_eq!(html.matches("<span class=\"name\">Platform</span>").count(), 1, "{html}");
    let found = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle} in {html}"));
    let (alone, group, member) = (found(">Website<"), found("class=\"group\""), found(">API<"));
    assert!(alone < group && group < member, "Website stands apart, before the group; API is inside it");
    let heading = &html[group..member];
    assert!(heading.contains("Platform") && heading.contains("Operational"), "{heading}");
    assert!(html.contains("No history yet."), "nothing observed at the moment they were made");
    // A day-old component's uptime is since it was first shown, not over 90 days.
    let first_shown = app.clock_now().format("%-d %b %Y").to_string();
    app.clock.advance(chrono::Duration::days(1));
    let (_, html) = public_page(app, "/status").await;
    assert!(html.contains(&format!("100.00% uptime since {first_shown}, with no problems.")), "{html}");
    assert!(!html.contains("over the last 90 days"), "{html}");
    app.clock.advance(chrono::Duration::days(100));
    let (_, html) = public_page(app, "/status").await;
    assert!(html.contains("100.00% uptime over the last 90 days, with no problems."), "{html}");
}

http_tests!(
    groups_show_their_own_state_once_and_young_components_say_since_when,
    control_characters_in_a_public_update_never_break_the_feed,
    an_update_is_published_without_javascript,
    updates_and_status_page_settings_check_who_is_asking,
    a_public_update_reaches_the_status_page_and_an_internal_one_never_does,
    bad_updates_are_refused_on_their_field,
    a_maintenance_window_appears_runs_and_ends_by_itself,
    the_look_admins_choose_is_shown,
);
