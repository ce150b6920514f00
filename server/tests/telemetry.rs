//! What the server logs about a request: every server function runs in a `server_fn` span that
//! names the request's path, the person asking and what it touches, so whatever it logs (a store
//! error, say) can be traced back to them. (The span does not depend on the database, so this
//! runs on SQLite only.)

mod support;

use reqwest::StatusCode;
use std::sync::{Arc, Mutex, OnceLock};
use support::*;

/// Everything the server logged in this test binary.
fn captured() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_env_filter("info")
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_writer(move || Capture(sink.clone()))
            .init();
        log
    })
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn lines_with(parts: &[&str]) -> Vec<String> {
    let log = captured().lock().unwrap().clone();
    String::from_utf8_lossy(&log).lines().filter(|line| parts.iter().all(|p| line.contains(p))).map(str::to_string).collect()
}

#[tokio::test]
async fn a_server_function_logs_inside_a_span_naming_the_person_and_the_incident() {
    captured();
    let db = app::store::testing::fresh_sqlite().await.expect("fresh SQLite database");
    run_app_test(db, |app| async move {
        let admin = app.admin().await;
        let viewer = app.signed_in_as(&admin, "viewer@example.com", "viewer").await;
        let id = app.declare_incident(&admin, "Traced", &[]).await;
        let form = [("incident_id", id.to_string()), ("status", "investigating".to_string()), ("revision", "1".to_string())];
        let changed = admin.post(app.url("/api/incidents/status")).form(&form).send().await.unwrap();
        assert_eq!(changed.status(), StatusCode::OK);
        let refused = viewer.post(app.url("/api/incidents/status")).form(&form).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);

        let incident = format!("incident_id={id}");
        // The admin (the first user, id 1) changed it; the span closed with its fields.
        let admin_span = lines_with(&["server_fn{", "path=/api/incidents/status", &incident, "viewer_id=1", "close"]);
        assert_eq!(admin_span.len(), 1, "{:#?}", lines_with(&["server_fn{"]));
        // The info line the function logs carries the span too.
        let logged = lines_with(&["server_fn{", &incident, "incident status changed"]);
        assert_eq!(logged.len(), 1, "{:#?}", lines_with(&["incident status changed"]));
        // A refused request has its span as well, naming who tried (the viewer, id 2).
        let refused = lines_with(&["server_fn{", "path=/api/incidents/status", &incident, "viewer_id=2", "close"]);
        assert_eq!(refused.len(), 1, "{:#?}", lines_with(&["server_fn{"]));
    })
    .await;
}
