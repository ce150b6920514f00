//! Black-box HTTP tests against a real server on port 0, on SQLite and on Postgres.

mod support;

use reqwest::header::{ACCEPT, CONTENT_SECURITY_POLICY, COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::Value;
use app::state::Clock;
use support::*;

async fn error_json(response: reqwest::Response) -> Value {
    response.json().await.expect("a JSON error")
}

async fn the_first_admin_page_works_once_only(app: &TestApp) {
    let visitor = client();
    let home = app.get(&visitor, "/").await;
    assert_eq!(home.status(), StatusCode::SEE_OTHER);
    assert_eq!(home.headers()[LOCATION], "/setup");
    let setup = app.get(&visitor, "/setup").await;
    assert_eq!(setup.status(), StatusCode::OK);
    assert!(setup.text().await.unwrap().contains("Create the first administrator"));

    let admin = app.admin().await;
    assert_eq!(app.whoami(&admin).await.as_deref(), Some(ADMIN_EMAIL));

    let again = app.create_first_admin(&client()).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let page = app.get(&client(), "/setup").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(!page.text().await.unwrap().contains("Create the first administrator"));
    let home = app.get(&client(), "/").await;
    assert_eq!(home.headers()[LOCATION], "/login?next=/", "signed-out visitors now go to sign in");
}

async fn setup_rejects_bad_input_field_by_field(app: &TestApp) {
    let response = app
        .post(
            &client(),
            "/api/setup/first-admin",
            &[
                ("email", "admin@example.com"),
                ("display_name", "Ada"),
                ("time_zone", "Mars/Olympus"),
                ("password", ADMIN_PASSWORD),
                ("password_confirmation", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err = error_json(response).await;
    assert_eq!(err["Invalid"]["field"], "time_zone");

    let response = app
        .post(
            &client(),
            "/api/setup/first-admin",
            &[
                ("email", "admin@example.com"),
                ("display_name", "Ada"),
                ("time_zone", "UTC"),
                ("password", "short"),
                ("password_confirmation", "short"),
            ],
        )
        .await;
    assert_eq!(error_json(response).await["Invalid"]["field"], "password");
    assert!(!app.db.store.setup_completed().await.unwrap(), "nothing was created");
}

async fn signing_in_with_a_wrong_password_fails_without_saying_whether_the_email_exists(app: &TestApp) {
    app.admin().await;
    let visitor = client();
    let wrong = app.login(&visitor, ADMIN_EMAIL, "not the password at all").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(support::session_cookie(wrong.headers()).is_none(), "no session for a failed sign-in");
    let wrong = error_json(wrong).await;
    let unknown = error_json(app.login(&visitor, "nobody@example.com", "not the password at all").await).await;
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["Invalid"]["message"], "The email or password is incorrect.");
    assert_eq!(app.whoami(&visitor).await, None);

    let right = app.login(&visitor, "ADMIN@example.com", ADMIN_PASSWORD).await;
    assert_eq!(right.status(), StatusCode::OK);
    assert_eq!(app.whoami(&visitor).await.as_deref(), Some(ADMIN_EMAIL));
}

async fn the_session_cookie_changes_at_sign_in_and_is_dead_after_sign_out(app: &TestApp) {
    let admin = app.admin().await;
    app.create_user(&admin, "responder@example.com", "responder").await;

    let first = app.login(&bare_client(), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let before = session_cookie(first.headers()).expect("a session cookie");
    // Signing in again from that session must give it a new id.
    let second = bare_client()
        .post(app.url("/api/auth/login"))
        .header(COOKIE, format!("quell_session={before}"))
        .form(&[("email", "responder@example.com"), ("password", USER_PASSWORD), ("next", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::OK);
    let after = session_cookie(second.headers()).expect("a new session cookie");
    assert_ne!(before, after, "the session id is cycled at sign-in");

    let whoami = |cookie: String| async move {
        let info: Value = bare_client()
            .post(app.url("/api/session"))
            .header(COOKIE, format!("quell_session={cookie}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        info["user"]["email"].as_str().map(str::to_string)
    };
    assert_eq!(whoami(before.clone()).await, None, "the old id no longer works");
    assert_eq!(whoami(after.clone()).await.as_deref(), Some("responder@example.com"));

    let logout = bare_client()
        .post(app.url("/api/auth/logout"))
        .header(COOKIE, format!("quell_session={after}"))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::OK);
    assert_eq!(whoami(after).await, None, "the server-side session is destroyed, not just the cookie");
}

async fn the_session_cookie_is_http_only_and_same_site_lax(app: &TestApp) {
    let response = app.create_first_admin(&client()).await;
    let cookie = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("quell_session="))
        .expect("session cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http in tests: {cookie}");
}

async fn a_viewer_is_refused_admin_functions_and_an_anonymous_caller_must_sign_in(app: &TestApp) {
    let admin = app.admin().await;
    app.create_user(&admin, "viewer@example.com", "viewer").await;
    let viewer = client();
    assert_eq!(app.login(&viewer, "viewer@example.com", USER_PASSWORD).await.status(), StatusCode::OK);

    let refused = app.post(&viewer, "/api/users/list", &[("page", "1")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_json(refused).await, serde_json::json!("Forbidden"));
    let refused = app
        .post(&viewer, "/api/users/create", &[("email", "x@example.com"), ("display_name", "X"), ("role", "admin"), ("password", USER_PASSWORD)])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let anonymous = app.post(&client(), "/api/users/list", &[("page", "1")]).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let anonymous = app.post(&client(), "/api/profile", &[]).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let listed = app.post(&admin, "/api/users/list", &[("page", "1")]).await;
    assert_eq!(listed.status(), StatusCode::OK);
    let listed: Value = listed.json().await.unwrap();
    assert_eq!(listed["total"], 2);
}

async fn a_viewer_gets_a_403_page_for_user_administration(app: &TestApp) {
    let admin = app.admin().await;
    app.create_user(&admin, "viewer@example.com", "viewer").await;
    let viewer = client();
    app.login(&viewer, "viewer@example.com", USER_PASSWORD).await;
    let page = app.get(&viewer, "/settings/users").await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(page.text().await.unwrap().contains("Not allowed"));
}

async fn a_cross_site_post_is_refused(app: &TestApp) {
    app.admin().await;
    let sign_in_with = |header: &'static str, value: &'static str| async move {
        client()
            .post(app.url("/api/auth/login"))
            .header(header, value)
            .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD), ("next", "")])
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(sign_in_with("sec-fetch-site", "cross-site").await, StatusCode::FORBIDDEN);
    assert_eq!(sign_in_with("origin", "https://evil.example").await, StatusCode::FORBIDDEN);
    assert_eq!(sign_in_with("sec-fetch-site", "same-origin").await, StatusCode::OK);
}

async fn an_oversized_body_gets_413(app: &TestApp) {
    let huge = "x".repeat(server::bodies::MAX_BODY_BYTES + 1);
    let response = app.post(&client(), "/api/auth/login", &[("email", huge.as_str()), ("password", "p"), ("next", "")]).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // The same sent in chunks, without a length up front.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
    for _ in 0..20 {
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 64];
    let read = stream.read(&mut answer).await.unwrap();
    let status_line = String::from_utf8_lossy(&answer[..read]).to_string();
    assert!(status_line.starts_with("HTTP/1.1 413"), "{status_line}");
}

async fn arguments_that_do_not_decode_get_400_with_a_message(app: &TestApp) {
    let admin = app.admin().await;
    for (path, form) in [
        ("/api/incidents/get", vec![("incident_id", "abc"), ("pinned", "false"), ("before", "")]),
        ("/api/incidents/get", vec![("incident_id", "1"), ("pinned", "maybe"), ("before", "")]),
        ("/api/incidents/get", vec![("incident_id[0][1]", "1"), ("pinned", "false"), ("before", "")]),
    ] {
        let response = app.post(&admin, path, &form).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{form:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["BadRequest"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    }
    let not_utf8 = admin
        .post(app.url("/api/incidents/get"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![0xff, 0xfe, 0x3d, 0x80])
        .send()
        .await
        .unwrap();
    assert_eq!(not_utf8.status(), StatusCode::BAD_REQUEST);
}

/// The reset link shown on the page an admin gets after making one.
fn reset_link_in(html: &str) -> String {
    let start = html.find("readonly value=\"").expect("a link on the page") + "readonly value=\"".len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn an_admin_resets_a_forgotten_password_and_the_old_sessions_end(app: &TestApp) {
    let admin = app.admin().await;
    let user = app.create_user(&admin, "forgetful@example.com", "responder").await;
    let id = user["id"].to_string();
    let forgetful = client();
    app.login(&forgetful, "forgetful@example.com", USER_PASSWORD).await;
    let responder = app.signed_in_as(&admin, "second@example.com", "responder").await;
    let viewer = app.signed_in_as(&admin, "watcher@example.com", "viewer").await;
    for (who, client) in [("responder", &responder), ("viewer", &viewer)] {
        let refused = app.post(client, "/settings/users/reset-link", &[("user_id", &id)]).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{who}");
    }
    let nobody = app.post(&admin, "/settings/users/reset-link", &[("user_id", "0")]).await;
    assert_eq!(nobody.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let me: Value = app.post(&admin, "/api/session", &[]).await.json().await.unwrap();
    let own = app.post(&admin, "/settings/users/reset-link", &[("user_id", &me["user"]["id"].to_string())]).await;
    assert!(own.text().await.unwrap().contains("Change your own password on your profile page"));

    // The admin gets the link once; only its hash is kept.
    let made = app.post(&admin, "/settings/users/reset-link", &[("user_id", &id)]).await;
    assert_eq!(made.status(), StatusCode::OK);
    let link = reset_link_in(&made.text().await.unwrap());
    let token = link.rsplit('/').next().unwrap().to_string();
    let kept = |value: String| format!("update password_resets set used_at = used_at where token_hash = '{value}'");
    assert_eq!(app.db.store.execute_for_test(&kept(token.clone())).await.unwrap(), 0, "the token itself is not stored");
    assert_eq!(app.db.store.execute_for_test(&kept(app::auth::token_hash(&token))).await.unwrap(), 1, "its hash is");
    assert_eq!(app.whoami(&forgetful).await.as_deref(), Some("forgetful@example.com"), "nothing changed yet");

    // Opened signed out: a form; mistakes come back beside their field.
    let path = link.strip_prefix(&app.address).expect("a link to this server").to_string();
    let visitor = client();
    let page = app.get(&visitor, &path).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers().get("set-cookie").is_none(), "no session for a link");
    let new_password = "a brand new chosen passphrase";
    let differ = app.post(&visitor, &path, &[("new_password", new_password), ("new_password_confirmation", "something else entirely")]).await;
    assert_eq!(differ.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(differ.text().await.unwrap().contains("id=\"new_password_confirmation-error\""));
    let weak = app.post(&visitor, &path, &[("new_password", "short"), ("new_password_confirmation", "short")]).await;
    assert!(weak.text().await.unwrap().contains("id=\"new_password-error\""));
    let set = app.post(&visitor, &path, &[("new_password", new_password), ("new_password_confirmation", new_password)]).await;
    assert_eq!(set.status(), StatusCode::OK);
    assert!(set.text().await.unwrap().contains("Your new password is set"));
    assert_eq!(app.get(&visitor, &path).await.status(), StatusCode::NOT_FOUND, "a link works once");

    assert_eq!(app.whoami(&forgetful).await, None, "signed out everywhere");
    let old = app.post(&client(), "/api/auth/login", &[("email", "forgetful@example.com"), ("password", USER_PASSWORD), ("next", "/")]).await;
    assert_eq!(old.status(), StatusCode::UNPROCESSABLE_ENTITY, "the old password no longer works");
    let again = client();
    app.login(&again, "forgetful@example.com", new_password).await;
    assert_eq!(app.whoami(&again).await.as_deref(), Some("forgetful@example.com"));

    // A link lasts 24 hours, and a newer one replaces an older one.
    let first = reset_link_in(&app.post(&admin, "/settings/users/reset-link", &[("user_id", &id)]).await.text().await.unwrap());
    let second = reset_link_in(&app.post(&admin, "/settings/users/reset-link", &[("user_id", &id)]).await.text().await.unwrap());
    let (first, second) = (first.strip_prefix(&app.address).unwrap().to_string(), second.strip_prefix(&app.address).unwrap().to_string());
    assert_eq!(app.get(&visitor, &first).await.status(), StatusCode::NOT_FOUND, "replaced");
    assert_eq!(app.get(&visitor, &second).await.status(), StatusCode::OK);
    app.clock.advance(chrono::Duration::hours(25));
    assert_eq!(app.get(&visitor, &second).await.status(), StatusCode::NOT_FOUND, "expired");
}

async fn deactivating_a_user_ends_their_sessions_at_once(app: &TestApp) {
    let admin = app.admin().await;
    let user = app.create_user(&admin, "leaver@example.com", "responder").await;
    let leaver = client();
    app.login(&leaver, "leaver@example.com", USER_PASSWORD).await;
    assert_eq!(app.whoami(&leaver).await.as_deref(), Some("leaver@example.com"));

    let id = user["id"].to_string();
    let revision = user["revision"].to_string();
    let response = app.post(&admin, "/api/users/set-active", &[("user_id", &id), ("active", "false"), ("revision", &revision)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.whoami(&leaver).await, None);
    assert_eq!(app.login(&leaver, "leaver@example.com", USER_PASSWORD).await.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let stale = app.post(&admin, "/api/users/set-active", &[("user_id", &id), ("active", "true"), ("revision", &revision)]).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT, "an edit from an old revision is refused, not applied");
}

async fn an_admin_cannot_remove_the_last_admin(app: &TestApp) {
    let admin = app.admin().await;
    let me: Value = app.post(&admin, "/api/profile", &[]).await.json().await.unwrap();
    let id = me["user"]["id"].to_string();
    let revision = me["user"]["revision"].to_string();
    let response = app.post(&admin, "/api/users/change-role", &[("user_id", &id), ("role", "viewer"), ("revision", &revision)]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(error_json(response).await["Conflict"]["field"], "role");
    let response = app.post(&admin, "/api/users/set-active", &[("user_id", &id), ("active", "false"), ("revision", &revision)]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
}

async fn duplicate_emails_are_reported_on_the_email_field(app: &TestApp) {
    let admin = app.admin().await;
    app.create_user(&admin, "twin@example.com", "responder").await;
    let again = app
        .post(&admin, "/api/users/create", &[("email", "TWIN@example.com"), ("display_name", "Twin"), ("role", "viewer"), ("password", USER_PASSWORD)])
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(error_json(again).await["Conflict"]["field"], "email");
}

async fn repeated_failures_are_slowed_then_refused_even_with_the_right_password(app: &TestApp) {
    app.admin().await;
    let attacker = client();
    let before = app.clock.now();
    for _ in 0..10 {
        let response = app.login(&attacker, ADMIN_EMAIL, "wrong password guess").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Attempts 5 to 10 waited 250 ms, 500 ms, 1 s, then 2 s each (on the injected clock).
    let waited = app.clock.now() - before;
    assert_eq!(waited.num_milliseconds(), 250 + 500 + 1000 + 2000 * 3);

    let refused = app.login(&attacker, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let message = error_json(refused).await["TooManyRequests"]["message"].as_str().unwrap().to_string();
    assert!(message.starts_with("Too many failed sign-in attempts. Try again in"), "{message}");

    // An unknown email is throttled exactly the same way.
    for _ in 0..10 {
        app.login(&attacker, "ghost@example.com", "wrong password guess").await;
    }
    assert_eq!(app.login(&attacker, "ghost@example.com", "x").await.status(), StatusCode::TOO_MANY_REQUESTS);

    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(app.login(&attacker, ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), StatusCode::OK, "the lock expires");
}

async fn changing_the_password_ends_other_sessions_but_keeps_this_one(app: &TestApp) {
    let admin = app.admin().await;
    let other_device = client();
    app.login(&other_device, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let wrong = app
        .post(&admin, "/api/profile/password", &[("current_password", "nope"), ("new_password", "a brand new passphrase"), ("new_password_confirmation", "a brand new passphrase")])
        .await;
    assert_eq!(error_json(wrong).await["Invalid"]["field"], "current_password");

    let changed = app
        .post(&admin, "/api/profile/password", &[("current_password", ADMIN_PASSWORD), ("new_password", "a brand new passphrase"), ("new_password_confirmation", "a brand new passphrase")])
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(app.whoami(&admin).await.as_deref(), Some(ADMIN_EMAIL));
    assert_eq!(app.whoami(&other_device).await, None);
    assert_eq!(app.login(&client(), ADMIN_EMAIL, "a brand new passphrase").await.status(), StatusCode::OK);
}

async fn a_session_ends_after_its_absolute_lifetime(app: &TestApp) {
    let admin = app.admin().await;
    app.clock.advance(chrono::Duration::days(7));
    assert_eq!(app.whoami(&admin).await, None);
}

/// Reading pages leaves the session row alone; at most once a minute a request writes it again,
/// which pushes its idle expiry (and the cookie's) forward.
async fn reading_pages_does_not_rewrite_the_session_and_use_keeps_it_alive(app: &TestApp) {
    let admin = app.admin().await;
    for path in ["/incidents", "/", "/incidents"] {
        let page = app.get(&admin, path).await;
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.headers().get(SET_COOKIE).is_none(), "{path} wrote the session");
    }
    app.clock.advance(chrono::Duration::seconds(61));
    let touched = app.get(&admin, "/incidents").await;
    assert!(touched.headers().get(SET_COOKIE).is_some(), "a minute on, the session is written once");
    let next = app.get(&admin, "/incidents").await;
    assert!(next.headers().get(SET_COOKIE).is_none());
    assert_eq!(app.whoami(&admin).await.as_deref(), Some(ADMIN_EMAIL));
}

async fn pages_carry_security_headers_and_a_nonce_policy(app: &TestApp) {
    let page = app.get(&client(), "/setup").await;
    let headers = page.headers().clone();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let csp = headers[CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce in the policy");
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the page's scripts carry the policy's nonce");
    let api = app.get(&client(), "/healthz").await;
    assert!(api.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().contains("default-src 'none'"));
}

async fn health_and_readiness_answer(app: &TestApp) {
    let health = app.get(&client(), "/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    let ready = app.get(&client(), "/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    let text = ready.text().await.unwrap();
    assert!(text.starts_with("ready\ndatabase: ok\n"), "{text}");
    for worker in ["cleanup", "delivery", "on-call"] {
        assert!(text.contains(&format!("worker {worker}: ok")), "{text}");
    }
    // A worker that has not finished a look in its expected time makes the instance not ready,
    // and the answer says which.
    let stalled_since = std::time::Instant::now() - std::time::Duration::from_secs(5);
    app.state().workers.register("test worker", std::time::Duration::from_secs(1), stalled_since);
    let stalled = app.get(&client(), "/readyz").await;
    assert_eq!(stalled.status(), StatusCode::SERVICE_UNAVAILABLE);
    let text = stalled.text().await.unwrap();
    assert!(text.starts_with("not ready\n") && text.contains("worker test worker: stalled"), "{text}");
    app.state().workers.finished("test worker", None, std::time::Instant::now());
    assert_eq!(app.get(&client(), "/readyz").await.status(), StatusCode::OK, "ready again after its next look");
    app.db.store.close().await;
    let not_ready = app.get(&client(), "/readyz").await;
    assert_eq!(not_ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(not_ready.text().await.unwrap().contains("database: unreachable"));
}

async fn a_form_posted_without_javascript_comes_back_with_the_error_beside_the_field(app: &TestApp) {
    app.admin().await;
    let browser = client();
    let response = browser
        .post(app.url("/api/auth/login"))
        .header(ACCEPT, "text/html")
        .header("referer", app.url("/login"))
        .form(&[("email", ADMIN_EMAIL), ("password", "wrong password guess"), ("next", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(location.contains("/login?") && location.contains("__err="), "{location}");
    let page = browser.get(&location).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("The email or password is incorrect."), "the error is rendered on the page");
    assert!(page.contains("id=\"password-error\""), "beside the password field");

    let ok = browser
        .post(app.url("/api/auth/login"))
        .header(ACCEPT, "text/html")
        .header("referer", app.url("/login"))
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD), ("next", "/settings/profile")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::FOUND);
    assert_eq!(ok.headers()[LOCATION], "/settings/profile");
}

async fn unknown_pages_are_404_in_the_layout(app: &TestApp) {
    let admin = app.admin().await;
    let page = app.get(&admin, "/no/such/page").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let html = page.text().await.unwrap();
    assert!(html.contains("Page not found") && html.contains("aria-label=\"Main\""), "404 inside the navigation layout");
}

http_tests!(
    the_first_admin_page_works_once_only,
    setup_rejects_bad_input_field_by_field,
    signing_in_with_a_wrong_password_fails_without_saying_whether_the_email_exists,
    the_session_cookie_changes_at_sign_in_and_is_dead_after_sign_out,
    the_session_cookie_is_http_only_and_same_site_lax,
    a_viewer_is_refused_admin_functions_and_an_anonymous_caller_must_sign_in,
    a_viewer_gets_a_403_page_for_user_administration,
    a_cross_site_post_is_refused,
    an_oversized_body_gets_413,
    arguments_that_do_not_decode_get_400_with_a_message,
    an_admin_resets_a_forgotten_password_and_the_old_sessions_end,
    deactivating_a_user_ends_their_sessions_at_once,
    an_admin_cannot_remove_the_last_admin,
    duplicate_emails_are_reported_on_the_email_field,
    repeated_failures_are_slowed_then_refused_even_with_the_right_password,
    changing_the_password_ends_other_sessions_but_keeps_this_one,
    a_session_ends_after_its_absolute_lifetime,
    reading_pages_does_not_rewrite_the_session_and_use_keeps_it_alive,
    pages_carry_security_headers_and_a_nonce_policy,
    health_and_readiness_answer,
    a_form_posted_without_javascript_comes_back_with_the_error_beside_the_field,
    unknown_pages_are_404_in_the_layout,
);
