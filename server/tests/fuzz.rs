//! Random and mutated input against every server function and every page, on SQLite and
//! Postgres: whatever arrives — numbers out of range, dates at the edge of time, control
//! characters, markup, huge text, brackets nested in names, bytes that are no form at all — the
//! answer is 2xx, 3xx or 4xx, never 5xx, and the server keeps answering.
//!
//! The server functions and their arguments are read from the source (`app/src/api`), so a new
//! one is fuzzed without being listed here. `QUELL_FUZZ_CASES` sets the cases per function
//! (default 12) and `QUELL_FUZZ_SEED` the seed (default fixed, so a failure repeats).

mod support;

use reqwest::{Client, StatusCode};
use std::path::Path;
use support::*;

/// A small, seeded random number generator (xorshift64*), so a failing case can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// One server function: its path and its arguments (name, Rust type).
#[derive(Debug)]
struct Endpoint {
    path: String,
    arguments: Vec<(String, String)>,
}

/// Every `#[server(prefix = "/api", endpoint = "…")]` function under `app/src/api`.
fn endpoints() -> Vec<Endpoint> {
    let mut files = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src/api")];
    let mut found = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for chunk in text.split("#[server(prefix = \"/api\", endpoint = \"").skip(1) {
            let endpoint = chunk.split('"').next().unwrap().to_string();
            let signature = chunk.split("pub async fn ").nth(1).unwrap();
            let open = signature.find('(').unwrap();
            let mut depth = 0;
            let mut close = open;
            for (i, c) in signature[open..].char_indices() {
                match c {
                    '(' | '<' => depth += 1,
                    ')' | '>' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    close = open + i;
                    break;
                }
            }
            let params = &signature[open + 1..close];
            let mut arguments = Vec::new();
            let (mut depth, mut start) = (0, 0);
            let bytes: Vec<char> = params.chars().collect();
            let mut pieces = Vec::new();
            for (i, c) in bytes.iter().enumerate() {
                match c {
                    '<' | '(' | '[' => depth += 1,
                    '>' | ')' | ']' => depth -= 1,
                    ',' if depth == 0 => {
                        pieces.push(bytes[start..i].iter().collect::<String>());
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            pieces.push(bytes[start..].iter().collect::<String>());
            for piece in pieces {
                let piece = piece.replace("#[server(default)]", "");
                let Some((name, kind)) = piece.split_once(':') else { continue };
                let name = name.trim().to_string();
                if !name.is_empty() {
                    arguments.push((name, kind.trim().to_string()));
                }
            }
            found.push(Endpoint { path: format!("/api/{endpoint}"), arguments });
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

const NUMBERS: &[&str] = &["0", "1", "2", "-1", "3", "9223372036854775807", "-9223372036854775808", "99999999999999999999", "abc", "1.5", "", " 4 ", "0x10", "1e3"];
const TEXTS: &[&str] = &[
    "",
    "x",
    "Disk full",
    "\u{1}\u{0}\u{c}\u{7f}\u{85}",
    "</title><meta http-equiv=\"refresh\" content=\"0;url=//e.x/\">",
    "<script>alert(1)</script>",
    "+262142-12-31",
    "-262143-01-01T00:00",
    "2026-02-30",
    "9999-12-31T23:59",
    "2026-06-01",
    "2026-06-01T09:00",
    "25:61",
    "09:00",
    "é🔥\u{202e}",
    "../../etc/passwd",
    "http://127.0.0.1:5432/",
    "https://hooks.example.com/{message}",
    "javascript:alert(1)",
    "'; drop table users; --",
    "%00%0a",
    "\r\n\r\n",
    "UTC",
    "Mars/Olympus",
    "Europe/Berlin",
    "p1",
    "hours",
    "weeks",
    "json",
    "slack",
    "service:1",
    "policy:999999",
    "user:-1",
    "user:1",
    "draft",
    "in_review",
    "published",
    "resolved",
    "investigating",
    "approved",
    "changes_requested",
    "email",
    "webhook",
    "admin",
    "viewer",
    "ada@example.com",
    "cover",
    "add",
    "true",
    "mon",
];
const BOOLS: &[&str] = &["true", "false", "maybe", "", "1", "on"];

fn value(rng: &mut Rng, kind: &str) -> String {
    let base = kind.trim_start_matches("Option<").trim_end_matches('>');
    if rng.chance(12) {
        return "a".repeat(20_000 + rng.below(50_000));
    }
    match base {
        "i64" | "i32" | "u32" | "u64" | "usize" => rng.pick(NUMBERS).to_string(),
        "bool" => rng.pick(BOOLS).to_string(),
        _ => {
            let mut text = rng.pick(TEXTS).to_string();
            if rng.chance(4) {
                text.push_str(rng.pick(TEXTS));
            }
            text
        }
    }
}

/// A form for `endpoint`: its arguments with random values, some left out, some listed twice or
/// with odd brackets, and sometimes an argument it doesn't have.
fn form(rng: &mut Rng, endpoint: &Endpoint) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (name, kind) in &endpoint.arguments {
        if rng.chance(10) {
            continue;
        }
        if let Some(inner) = kind.strip_prefix("Vec<").and_then(|k| k.strip_suffix('>')) {
            for i in 0..rng.below(4) {
                let key = match rng.below(8) {
                    0 => format!("{name}[]"),
                    1 => format!("{name}[{i}][0]"),
                    2 => format!("{name}[99999999999]"),
                    _ => format!("{name}[{i}]"),
                };
                pairs.push((key, value(rng, inner)));
            }
        } else {
            pairs.push((name.clone(), value(rng, kind)));
            if rng.chance(15) {
                pairs.push((name.clone(), value(rng, kind)));
            }
        }
    }
    if rng.chance(8) {
        pairs.push(("unexpected[a][b]".to_string(), "1".to_string()));
    }
    pairs
}

/// Pages from the router, with numbers for their ids.
fn page_paths() -> Vec<String> {
    let routes = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src/routes.rs")).unwrap();
    routes
        .split("path!(\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

async fn post_form(app: &TestApp, client: &Client, path: &str, pairs: &[(String, String)]) -> StatusCode {
    match client.post(app.url(path)).form(pairs).send().await {
        Ok(response) => response.status(),
        Err(err) => panic!("{path}: no answer ({err}) for {pairs:?}"),
    }
}

async fn every_server_function_answers_random_input_without_a_server_error(app: &TestApp) {
    let cases: usize = std::env::var("QUELL_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    let seed: u64 = std::env::var("QUELL_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed_2026);
    let mut rng = Rng(seed | 1);
    let endpoints = endpoints();
    assert!(endpoints.len() > 90, "found {} server functions", endpoints.len());
    let admin = app.admin().await;
    app.declare_incident(&admin, "Something to point at", &[]).await;
    let mut failures = Vec::new();
    for endpoint in &endpoints {
        // Signing out would only make the rest of the run anonymous.
        if endpoint.path == "/api/auth/logout" {
            continue;
        }
        for _ in 0..cases {
            let pairs = form(&mut rng, endpoint);
            let status = post_form(app, &admin, &endpoint.path, &pairs).await;
            if status.is_server_error() {
                failures.push(format!("{} {status}: {pairs:?}", endpoint.path));
            }
            if status == StatusCode::UNAUTHORIZED && app.whoami(&admin).await.is_none() {
                panic!("{} signed the admin out with {pairs:?}", endpoint.path);
            }
        }
        // Bytes that are no form at all, and the same anonymously.
        let garbage: Vec<u8> = (0..rng.below(300)).map(|_| rng.next() as u8).collect();
        for client in [&admin, &client()] {
            let status = client
                .post(app.url(&endpoint.path))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(garbage.clone())
                .send()
                .await
                .unwrap()
                .status();
            if status.is_server_error() {
                failures.push(format!("{} {status}: bytes {garbage:?}", endpoint.path));
            }
        }
    }
    for path in page_paths() {
        for _ in 0..2 {
            let path = path.replace(":id", rng.pick(NUMBERS).trim());
            let query: Vec<(String, String)> = (0..rng.below(4))
                .map(|_| (rng.pick(&["page", "q", "status", "before", "from", "to", "offset_days", "next", "severity_id"]).to_string(), rng.pick(TEXTS).to_string()))
                .collect();
            let status = admin.get(app.url(&path)).query(&query).send().await.unwrap().status();
            if status.is_server_error() {
                failures.push(format!("GET {path} {status}: {query:?}"));
            }
        }
    }
    for path in ["/status", "/status/history", "/status/feed.atom", "/status/summary.json", "/calendars/nonsense.ics", "/ack/nonsense", "/status/confirm/x", "/status/unsubscribe/1-00"] {
        let query = [("before", rng.pick(NUMBERS)), ("q", rng.pick(TEXTS))];
        let status = client().get(app.url(path)).query(&query).send().await.unwrap().status();
        if status.is_server_error() {
            failures.push(format!("GET {path} {status}: {query:?}"));
        }
    }
    assert!(app.whoami(&admin).await.is_some(), "the admin is still signed in");
    assert_eq!(app.get(&client(), "/readyz").await.status(), StatusCode::OK, "and every worker still runs");
    assert!(failures.is_empty(), "seed {seed}: {} server errors:\n{}", failures.len(), failures.join("\n"));
}

http_tests!(every_server_function_answers_random_input_without_a_server_error);
