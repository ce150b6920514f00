//! Notifications over real peers, on SQLite and on Postgres: subscriptions and webhooks decide
//! who hears of an update; email goes to a real SMTP server (aiosmtpd) and webhooks to a real
//! HTTP receiver; failures are retried with backoff (the test moves the clock), survive a
//! restart, are shown with their reason in the delivery log, and nothing is sent twice.

mod peers;
mod support;

use peers::{SmtpSink, WebhookReceiver};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use std::time::Duration;
use support::*;

/// Runs each named `async fn(&TestApp, &SmtpSink)` on both databases, with a fresh SMTP sink
/// that the app's delivery worker sends to.
macro_rules! delivery_tests {
    ($($name:ident),* $(,)?) => {
        app::on_each_database!(|db, test| super::run(db, move |app, sink| async move { test(&app, &sink).await }); $($name),*);
    };
}

async fn run<F>(db: app::store::testing::TestDatabase, body: impl FnOnce(std::sync::Arc<TestApp>, std::sync::Arc<SmtpSink>) -> F + Send + 'static)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let sink = std::sync::Arc::new(SmtpSink::start());
    let app = spawn_app_with_smtp(db, Some(sink.settings())).await;
    run_on_app(app, move |app| body(app, sink)).await;
}

async fn deliveries(app: &TestApp, admin: &Client, status: &str) -> Value {
    let response = app.post(admin, "/api/notifications/get", &[("status", status), ("page", "1")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn add_webhook(app: &TestApp, admin: &Client, url: &str, format: &str, secret: &str) {
    let response = app.post(admin, "/api/webhooks/create", &[("name", &format!("{format} hook")), ("url", url), ("format", format), ("secret", secret)]).await;
    assert_eq!(response.status(), StatusCode::OK, "{:?}", response.text().await);
}

async fn publish(app: &TestApp, client: &Client, incident: i64, form: &[(&str, &str)]) {
    let id = incident.to_string();
    let mut all = vec![("incident_id", id.as_str())];
    all.extend_from_slice(form);
    let response = app.post(client, "/api/incidents/updates/publish", &all).await;
    assert_eq!(response.status(), StatusCode::OK, "{:?}", response.text().await);
}

/// Waits (real time) until the delivery log shows `count` deliveries with `status`.
async fn wait_for_status(app: &TestApp, admin: &Client, status: &str, count: usize) -> Value {
    for _ in 0..200 {
        let log = deliveries(app, admin, status).await;
        if log["deliveries"].as_array().unwrap().len() >= count {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    deliveries(app, admin, status).await
}

async fn an_update_reaches_its_subscribers_by_email_and_webhook(app: &TestApp, sink: &SmtpSink) {
    let admin = app.admin().await;
    let viewer = app.signed_in_as(&admin, "viewer@example.com", "viewer").await;
    let other = app.signed_in_as(&admin, "second.viewer@example.com", "viewer").await;
    let hooks = WebhookReceiver::start(0).await;
    add_webhook(app, &admin, &hooks.url, "json", "s3cret").await;
    add_webhook(app, &admin, &format!("{}?slack", hooks.url), "slack", "").await;
    let id = app.declare_incident(&admin, "Checkout down", &[]).await;
    // The viewer follows this incident; an outsider is added by address; the other viewer
    // follows only SEV2 incidents, which this isn't.
    assert_eq!(app.post(&viewer, "/api/incidents/subscribe", &[("incident_id", &id.to_string()), ("subscribe", "true")]).await.status(), StatusCode::OK);
    let outsider = app.post(&admin, "/api/incidents/subscribers/add", &[("incident_id", &id.to_string()), ("email", "Partner@Example.org")]).await;
    assert_eq!(outsider.status(), StatusCode::OK);
    assert_eq!(app.post(&other, "/api/subscriptions/create", &[("severity_id", "2")]).await.status(), StatusCode::OK);
    let page = app.incident(&viewer, id).await;
    let mut people: Vec<String> = page["recipients"]["people"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect();
    people.sort();
    // The admin declared the incident and commands it, so follows it from the start.
    assert_eq!(people, ["Ada Admin", "Test Person", "partner@example.org"], "the page shows who will be notified");
    assert_eq!(page["recipients"]["webhooks"].as_array().unwrap().len(), 2);

    publish(app, &admin, id, &[("message", "Card payments fail; we are rolling back."), ("internal", "true")]).await;
    let mail = sink.wait_for(3).await;
    assert_eq!(mail.len(), 3, "{mail:?}");
    let to: Vec<bool> = ["viewer@example.com", "partner@example.org", ADMIN_EMAIL].iter().map(|a| mail.iter().any(|m| m.contains(&format!("X-Envelope-To: {a}")))).collect();
    assert_eq!(to, [true, true, true]);
    assert!(mail.iter().all(|m| m.contains("Subject: [SEV1] INC-") && m.contains("rolling back") && m.contains("Message-ID: <delivery-")));
    let received = hooks.wait_for(2).await;
    assert_eq!(received.len(), 2);
    let json = received.iter().find(|r| r.body.contains("\"event\"")).expect("the JSON payload");
    let payload: Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(payload["incident"]["reference"], format!("INC-{id}"));
    assert_eq!(payload["update"]["message"], "Card payments fail; we are rolling back.");
    let timestamp: i64 = json.headers["x-quell-timestamp"].to_str().unwrap().parse().unwrap();
    let signature = json.headers["x-quell-signature"].to_str().unwrap();
    assert_eq!(signature, format!("sha256={}", server::delivery::sign("s3cret", timestamp, &json.body)));
    let slack = received.iter().find(|r| r.body.starts_with("{\"text\"")).expect("the Slack payload");
    assert!(slack.headers.get("x-quell-signature").is_none(), "unsigned without a secret");
    let log = wait_for_status(app, &admin, "sent", 5).await;
    assert_eq!(log["deliveries"].as_array().unwrap().len(), 5);

    // Nothing is sent twice, however long the worker keeps running.
    app.clock.advance(chrono::Duration::hours(3));
    app.look_for_deliveries().await;
    assert_eq!(sink.messages().len(), 3);
    assert_eq!(hooks.received().len(), 2);
}

async fn a_failing_receiver_is_retried_with_backoff_until_it_succeeds(app: &TestApp, _sink: &SmtpSink) {
    let admin = app.admin().await;
    let hooks = WebhookReceiver::start(2).await;
    add_webhook(app, &admin, &hooks.url, "json", "").await;
    let id = app.declare_incident(&admin, "Flaky receiver", &[]).await;
    publish(app, &admin, id, &[("message", "First"), ("internal", "true")]).await;
    assert_eq!(hooks.wait_for(1).await.len(), 1);
    let waiting = wait_for_status(app, &admin, "pending", 1).await;
    let delivery = &waiting["deliveries"][0];
    assert_eq!(delivery["attempts"], 1);
    assert!(delivery["last_error"].as_str().unwrap().starts_with("HTTP 500"), "{delivery}");
    // Not before its time: 30 seconds after the first failure.
    app.look_for_deliveries().await;
    assert_eq!(hooks.received().len(), 1);
    // Each retry is looked for here, so the clock never moves while an attempt is in flight
    // (its failure would be dated after the move, and its retry with it).
    app.clock.advance(chrono::Duration::seconds(31));
    app.look_for_deliveries().await;
    assert_eq!(hooks.received().len(), 2);
    app.clock.advance(chrono::Duration::minutes(3));
    app.look_for_deliveries().await;
    assert_eq!(hooks.received().len(), 3);
    let sent = wait_for_status(app, &admin, "sent", 1).await;
    assert_eq!(sent["deliveries"][0]["attempts"], 3);
    assert_eq!(sent["deliveries"][0]["last_error"], "");
    app.clock.advance(chrono::Duration::hours(5));
    app.look_for_deliveries().await;
    assert_eq!(hooks.received().len(), 3, "a delivery that succeeded is not sent again");
    let ids: Vec<String> = hooks.received().iter().map(|r| r.headers["x-quell-delivery"].to_str().unwrap().to_string()).collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "every attempt carries the same delivery id");
}

async fn pending_deliveries_survive_a_restart_and_are_sent_once(app: &TestApp, sink: &SmtpSink) {
    let admin = app.admin().await;
    // A receiver that isn't there yet: the address is taken from a listener we close.
    let address = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    add_webhook(app, &admin, &format!("http://{address}/hook"), "json", "").await;
    let id = app.declare_incident(&admin, "Restart", &[]).await;
    app.post(&admin, "/api/incidents/subscribe", &[("incident_id", &id.to_string()), ("subscribe", "true")]).await;
    publish(app, &admin, id, &[("message", "Before the restart"), ("internal", "true")]).await;
    assert_eq!(sink.wait_for(1).await.len(), 1, "the email goes out");
    let pending = wait_for_status(app, &admin, "pending", 1).await;
    assert!(pending["deliveries"][0]["last_error"].as_str().unwrap().starts_with("HTTP:"), "{pending}");

    // A delivery claimed by a worker that then died (lease held, nothing recorded). The email
    // above is recorded as sent first.
    app.look_for_deliveries().await;
    app.halt();
    let crashed = app::store::notifications::NewDelivery {
        channel: app::domain::delivery::Channel::Email,
        target: "claimed@example.com".into(),
        webhook_id: None,
        topic: "test".into(),
        subject: "Claimed before the crash".into(),
        body: "Body".into(),
        unsubscribe_url: String::new(),
        page_id: None,
        due_at: None,
    };
    app.db.store.enqueue_deliveries(&[crashed], app.clock_now()).await.unwrap();
    let claimed = app.db.store.claim_due_deliveries(app.clock_now(), chrono::Duration::seconds(60), 10).await.unwrap();
    assert_eq!(claimed.len(), 1, "only the new email was due");

    // Restart: a new server on the same database; the receiver is up now.
    let hooks = WebhookReceiver::start_on(&address, 0).await;
    let restarted = app.another_instance_with_smtp(Some(sink.settings())).await;
    app.clock.advance(chrono::Duration::seconds(61));
    restarted.state().deliveries_queued.notify_one();
    assert_eq!(hooks.wait_for(1).await.len(), 1, "the pending webhook is delivered after the restart");
    let mail = sink.wait_for(2).await;
    assert!(mail.iter().any(|m| m.contains("Claimed before the crash")), "a lease that ran out is taken over");
    // Both are recorded as sent before the clock moves on.
    restarted.look_for_deliveries().await;
    app.clock.advance(chrono::Duration::hours(5));
    restarted.look_for_deliveries().await;
    assert_eq!(hooks.received().len(), 1);
    assert_eq!(sink.messages().len(), 2, "nothing twice");
    restarted.stop().await;
}

async fn bad_configuration_shows_as_failed_deliveries_and_nothing_else_breaks(app: &TestApp, _sink: &SmtpSink) {
    let admin = app.admin().await;
    // A second instance whose SMTP server is unreachable.
    let mut unreachable = SmtpSink::start().settings();
    unreachable.port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    app.halt();
    let other = app.another_instance_with_smtp(Some(unreachable)).await;
    let admin_url = |path: &str| other.url(path);
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        let request = admin.post(admin_url(path)).form(&form);
        async move { request.send().await.unwrap() }
    };
    let hooks = WebhookReceiver::start(usize::MAX).await;
    let created = post("/api/webhooks/create", vec![("name", "Broken".into()), ("url", hooks.url.clone()), ("format", "json".into())]).await;
    assert_eq!(created.status(), StatusCode::OK);
    let declared = post("/api/incidents/declare", vec![("title", "Bad config".into()), ("severity_id", "1".into())]).await;
    let id: String = declared.json::<String>().await.unwrap().rsplit('/').next().unwrap().to_string();
    post("/api/incidents/subscribe", vec![("incident_id", id.clone()), ("subscribe", "true".into())]).await;
    let published = post("/api/incidents/updates/publish", vec![("incident_id", id.clone()), ("message", "Hello".into()), ("internal", "true".into())]).await;
    assert_eq!(published.status(), StatusCode::OK, "publishing doesn't wait for delivery");
    let mut log = Value::Null;
    for _ in 0..200 {
        let response = post("/api/notifications/get", vec![("status", "pending".into()), ("page", "1".into())]).await;
        log = response.json().await.unwrap();
        if log["deliveries"].as_array().unwrap().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let errors: Vec<String> = log["deliveries"].as_array().unwrap().iter().map(|d| d["last_error"].as_str().unwrap().to_string()).collect();
    assert!(errors.iter().any(|e| e.starts_with("SMTP:")), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("HTTP 500")), "{errors:?}");
    let page = admin.get(other.url(&format!("/incidents/{id}"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "the rest of the app keeps working");

    // After the last attempt a delivery is failed for good; an admin can send it again.
    for _ in 0..10 {
        app.clock.advance(chrono::Duration::hours(3));
        other.look_for_deliveries().await;
    }
    let failed: Value = post("/api/notifications/get", vec![("status", "failed".into()), ("page", "1".into())]).await.json().await.unwrap();
    let rows = failed["deliveries"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{failed}");
    assert!(rows.iter().all(|d| d["attempts"] == 8));
    let retried = post("/api/deliveries/retry", vec![("delivery_id", rows[0]["id"].to_string())]).await;
    assert_eq!(retried.status(), StatusCode::OK);
    let viewer_client = client();
    assert_eq!(viewer_client.post(other.url("/api/deliveries/retry")).form(&[("delivery_id", "1")]).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    other.stop().await;
}

/// The first link in `message` that starts with `prefix`.
fn link(message: &str, prefix: &str) -> String {
    let start = message.find(prefix).unwrap_or_else(|| panic!("no {prefix} in {message}"));
    message[start..].split(|c: char| c.is_whitespace() || c == '>').next().unwrap().to_string()
}

async fn the_public_subscribes_with_double_opt_in_and_leaves_with_one_click(app: &TestApp, sink: &SmtpSink) {
    let admin = app.admin().await;
    let visitor = bare_client();
    let bad = visitor.post(app.url("/status/subscribe")).form(&[("email", "not an address")]).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("Enter an email address like name@example.com."));
    let asked = visitor.post(app.url("/status/subscribe")).form(&[("email", "Fan@Example.org")]).send().await.unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    assert!(asked.headers().get(reqwest::header::SET_COOKIE).is_none());
    assert!(asked.text().await.unwrap().contains("Check your inbox"));
    let confirmation = sink.wait_for(1).await.pop().expect("a confirmation email");
    assert!(confirmation.contains("X-Envelope-To: fan@example.org"));
    let confirm_url = link(&confirmation, &app.url("/status/confirm/"));

    let id = app.declare_incident(&admin, "Public incident", &[]).await;
    publish(app, &admin, id, &[("message", "Before confirming"), ("public", "true"), ("public_title", "Slow pages")]).await;
    app.look_for_deliveries().await;
    assert_eq!(sink.messages().len(), 1, "nothing before the address is confirmed");

    // A mail scanner following the link confirms nothing: the page asks for a button press.
    let asked = visitor.get(&confirm_url).send().await.unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    assert!(asked.text().await.unwrap().contains("<button type=\"submit\">Confirm</button>"));
    publish(app, &admin, id, &[("message", "Still before confirming"), ("public", "true"), ("public_title", "Slow pages")]).await;
    app.look_for_deliveries().await;
    assert_eq!(sink.messages().len(), 1, "opening the link did not confirm");
    let confirmed = visitor.post(&confirm_url).send().await.unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert!(confirmed.text().await.unwrap().contains("You're subscribed"));
    assert_eq!(visitor.get(app.url("/status/confirm/nonsense")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(visitor.post(app.url("/status/confirm/nonsense")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // The database keeps no token that could be used as a link.
    let plain = confirm_url.rsplit('/').next().unwrap();
    let stored = app.db.store.execute_for_test(&format!("update status_subscribers set created_at = created_at where confirm_token = '{plain}'")).await.unwrap();
    assert_eq!(stored, 0, "the confirmation token is stored only as its hash");
    publish(app, &admin, id, &[("message", "We found the cause"), ("public", "true"), ("public_title", "Slow pages")]).await;
    let update = sink.wait_for(2).await.pop().unwrap();
    assert!(update.contains("Subject: Triage: Slow pages"), "a new incident is in triage: {update}");
    assert!(update.contains("We found the cause"));
    assert!(!update.contains("Public incident"), "the internal title stays internal");
    assert!(update.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    let unsubscribe_url = link(&update, &app.url("/status/unsubscribe/"));
    let page = visitor.get(&unsubscribe_url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<button type=\"submit\">Unsubscribe</button>"), "a link alone doesn't unsubscribe");
    // A mail program's one-click unsubscribe: a POST with no browser headers.
    let left = visitor.post(&unsubscribe_url).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
    assert_eq!(left.status(), StatusCode::OK);
    publish(app, &admin, id, &[("message", "Fixed"), ("public", "true"), ("public_title", "Slow pages")]).await;
    app.look_for_deliveries().await;
    assert_eq!(sink.messages().len(), 2, "no more email after unsubscribing");
}

async fn a_test_notification_reaches_each_of_ones_own_contact_methods(app: &TestApp, sink: &SmtpSink) {
    let admin = app.admin().await;
    let responder = app.signed_in_as(&admin, "ada@example.com", "responder").await;
    let viewer = app.signed_in_as(&admin, "cy@example.com", "viewer").await;
    let hooks = WebhookReceiver::start(0).await;
    let gateway = format!("{}?to=%2B4915100000&text={{message}}", hooks.url);
    for (kind, label, target) in [("email", "Work email", "ada.work@example.com"), ("webhook", "Phone", gateway.as_str())] {
        let added = app.post(&responder, "/api/contact-methods/add", &[("kind", kind), ("label", label), ("target", target)]).await;
        assert_eq!(added.status(), StatusCode::OK, "{:?}", added.text().await);
    }
    let bad = app.post(&responder, "/api/contact-methods/add", &[("kind", "webhook"), ("label", "Pager"), ("target", "pager://1")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json::<Value>().await.unwrap()["Invalid"]["field"], "target");
    let mine: Value = app.post(&responder, "/api/contact-methods/list", &[]).await.json().await.unwrap();
    let ids: Vec<String> = mine["methods"].as_array().unwrap().iter().map(|m| m["id"].to_string()).collect();
    assert_eq!(ids.len(), 3, "the account email and the two added");
    let theirs: Value = app.post(&viewer, "/api/contact-methods/list", &[]).await.json().await.unwrap();
    let theirs: Vec<String> = theirs["methods"].as_array().unwrap().iter().map(|m| m["target"].as_str().unwrap().to_string()).collect();
    assert_eq!(theirs, ["cy@example.com"], "each person sees only their own");
    for id in &ids {
        let refused = app.post(&viewer, "/api/contact-methods/test", &[("contact_method_id", id)]).await;
        assert_eq!(refused.status(), StatusCode::NOT_FOUND, "nobody else can use them");
        assert_eq!(app.post(&viewer, "/api/contact-methods/remove", &[("contact_method_id", id)]).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.post(&responder, "/api/contact-methods/test", &[("contact_method_id", id)]).await.status(), StatusCode::OK);
    }
    let email = sink.wait_for(2).await;
    for address in ["ada.work@example.com", "ada@example.com"] {
        assert!(email.iter().any(|m| m.contains(&format!("X-Envelope-To: {address}")) && m.contains("Quell test notification")), "{address}: {email:?}");
    }
    let posted = hooks.wait_for(1).await;
    assert!(posted[0].uri.starts_with("/hook?to=%2B4915100000&text=Quell%20test%20notification%20for%20Test%20Person"), "{}", posted[0].uri);
    assert!(posted[0].body.contains("\"event\":\"test\""), "{}", posted[0].body);
    assert_eq!(app.post(&responder, "/api/contact-methods/remove", &[("contact_method_id", &ids[0])]).await.status(), StatusCode::OK);
    let left: Value = app.post(&responder, "/api/contact-methods/list", &[]).await.json().await.unwrap();
    assert_eq!(left["methods"].as_array().unwrap().len(), 2);
    assert_eq!(app.post(&client(), "/api/contact-methods/list", &[]).await.status(), StatusCode::UNAUTHORIZED);
}

delivery_tests!(
    a_test_notification_reaches_each_of_ones_own_contact_methods,
    the_public_subscribes_with_double_opt_in_and_leaves_with_one_click,
    an_update_reaches_its_subscribers_by_email_and_webhook,
    a_failing_receiver_is_retried_with_backoff_until_it_succeeds,
    pending_deliveries_survive_a_restart_and_are_sent_once,
    bad_configuration_shows_as_failed_deliveries_and_nothing_else_breaks,
);
