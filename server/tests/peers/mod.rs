//! Real peers for the delivery tests, started by the test: an SMTP server (aiosmtpd, in
//! Python) that keeps every message it receives, and an HTTP server that receives webhooks
//! and can be told to fail.

#![allow(dead_code)]

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An SMTP server on a free port; stopped when dropped.
pub struct SmtpSink {
    pub port: u16,
    directory: PathBuf,
    child: Child,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let directory = std::env::temp_dir().join(format!("quell-smtp-{}-{}", std::process::id(), rand_suffix()));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(&directory)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the SMTP sink (python3 with aiosmtpd; make test installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("the SMTP sink says it is ready");
        let port = line.trim().strip_prefix("ready ").and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("SMTP sink said {line:?}"));
        SmtpSink { port, directory, child }
    }

    pub fn settings(&self) -> server::delivery::SmtpSettings {
        server::delivery::SmtpSettings {
            host: "127.0.0.1".into(),
            port: self.port,
            security: server::delivery::SmtpSecurity::None,
            username: None,
            password: None,
            from: "Quell <quell@example.com>".into(),
        }
    }

    /// The messages received so far, in order, as text (quoted-printable bodies decoded).
    pub fn messages(&self) -> Vec<String> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&self.directory)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect())
            .unwrap_or_default();
        paths.sort();
        paths.iter().map(|p| decode(&std::fs::read_to_string(p).unwrap_or_default())).collect()
    }

    /// Waits up to ten seconds for `count` messages.
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        for _ in 0..200 {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.messages()
    }
}

/// Decodes a quoted-printable body (soft line breaks and `=XX` escapes); headers stay as they are.
fn decode(message: &str) -> String {
    if !message.contains("Content-Transfer-Encoding: quoted-printable") {
        return message.to_string();
    }
    let joined = message.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

fn rand_suffix() -> u64 {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    u64::from(nanos) ^ (NEXT.fetch_add(1, Ordering::Relaxed) as u64) << 32
}

/// A webhook request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    /// The path and query the request was sent to.
    pub uri: String,
    pub body: String,
}

#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    /// Requests still to answer with 500.
    failures_left: Arc<AtomicUsize>,
}

/// An HTTP server receiving webhooks on a free port; stopped when dropped.
pub struct WebhookReceiver {
    pub url: String,
    state: Receiver,
    task: tokio::task::JoinHandle<()>,
}

impl WebhookReceiver {
    /// Answers the first `failures` requests with 500, then 200.
    pub async fn start(failures: usize) -> WebhookReceiver {
        Self::start_on("127.0.0.1:0", failures).await
    }

    pub async fn start_on(address: &str, failures: usize) -> WebhookReceiver {
        let state = Receiver { failures_left: Arc::new(AtomicUsize::new(failures)), ..Receiver::default() };
        let listener = tokio::net::TcpListener::bind(address).await.expect("bind the webhook receiver");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let router = Router::new().route("/hook", post(receive)).with_state(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        WebhookReceiver { url, state, task }
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Waits up to ten seconds for `count` requests.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.received().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.received()
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(State(state): State<Receiver>, uri: axum::http::Uri, headers: HeaderMap, body: String) -> (StatusCode, &'static str) {
    state.received.lock().unwrap().push(Received { headers, uri: uri.to_string(), body });
    let failing = state.failures_left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    if failing { (StatusCode::INTERNAL_SERVER_ERROR, "receiver is down for maintenance") } else { (StatusCode::OK, "ok") }
}
