//! The floors of the `app` crate, checked on its source (ARCHITECTURE.md, "Floors"): no file
//! imports from a floor above its own, and every server function runs in its span behind
//! `Ctx`. These read the code as text, so a new file or folder is covered without being listed.

use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `app/src/<folder>` (or the one file `app/src/<folder>.rs`), with its
/// text, test modules left out.
fn files(folder: &str) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let single = src().join(format!("{folder}.rs"));
    let mut stack = vec![if single.is_file() { single } else { src().join(folder) }];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("read a source folder") {
                stack.push(entry.expect("a folder entry").path());
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read a source file");
            let code = match text.find("#[cfg(test)]\nmod tests") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
            found.push((path, code));
        }
    }
    assert!(!found.is_empty(), "no source under {folder}");
    found
}

/// The places in `folder` that name one of `above` (as `crate::<name>`).
fn reaches_up(folder: &str, above: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (path, text) in files(folder) {
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for name in above {
                if code.contains(&format!("crate::{name}::")) || code.contains(&format!("crate::{name};")) {
                    found.push(format!("{}:{}: {}", path.display(), number + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn no_floor_imports_from_a_floor_above_it() {
    let floors: [(&str, &[&str]); 10] = [
        ("domain", &["errors", "store", "live", "state", "auth", "engine", "api", "components", "pages", "markdown"]),
        ("assets", &["domain", "errors", "store", "live", "state", "auth", "engine", "api", "components", "pages", "markdown"]),
        ("wire", &["domain", "errors", "store", "live", "state", "auth", "engine", "api", "components", "pages", "markdown"]),
        ("errors", &["store", "live", "state", "auth", "engine", "api", "components", "pages", "markdown"]),
        ("store", &["live", "state", "auth", "engine", "api", "components", "pages"]),
        ("live", &["state", "auth", "engine", "api", "components", "pages"]),
        ("state", &["auth", "engine", "api", "components", "pages"]),
        ("auth", &["engine", "api", "components", "pages"]),
        ("engine", &["api", "components", "pages"]),
        ("components", &["pages"]),
    ];
    let mut wrong = Vec::new();
    for (folder, above) in floors {
        wrong.extend(reaches_up(folder, above));
    }
    assert!(wrong.is_empty(), "imports that run back up a floor:\n{}", wrong.join("\n"));
}

#[test]
fn every_server_function_runs_in_its_span_and_asks_ctx_who_is_asking() {
    let mut functions = 0;
    let mut spans = 0;
    let mut bypasses = Vec::new();
    for (path, text) in files("api") {
        functions += text.matches("#[server(prefix").count();
        spans += text.matches("respond(server_span!(").count();
        if !path.ends_with("support.rs") {
            for name in ["crate::auth::require(", "crate::auth::app_state("] {
                if text.contains(name) {
                    bypasses.push(format!("{} calls {name}", path.display()));
                }
            }
        }
    }
    assert!(functions > 90, "the server functions were found ({functions})");
    assert_eq!(spans, functions, "every #[server] function's body runs in respond(server_span!(…), …)");
    assert!(bypasses.is_empty(), "server functions go through Ctx:\n{}", bypasses.join("\n"));
}

/// Every server function answers through `crate::wire::Json` (ARCHITECTURE.md): one left on
/// server_fn's own `Json` would bring back a second deserializer for its answer in the wasm,
/// which nothing else would notice.
#[test]
fn every_server_function_answers_through_the_one_json_reader() {
    let mut functions = 0;
    let mut through_wire = 0;
    for (_, text) in files("api") {
        functions += text.matches("#[server(prefix").count();
        through_wire += text.matches(", output = crate::wire::Json)]").count();
    }
    assert!(functions > 90, "the server functions were found ({functions})");
    assert_eq!(through_wire, functions, "every #[server(…)] names output = crate::wire::Json");
}

#[test]
fn the_check_sees_imports_that_are_there() {
    // Server functions do call the engines: a checker that found nothing here would be blind.
    assert!(!reaches_up("api", &["engine"]).is_empty());
    assert!(!reaches_up("engine", &["store"]).is_empty());
}

/// `leptos_meta`'s `Title` writes its text into the server-rendered head unescaped, so pages set
/// their title only through `components::title::PageTitle`, which escapes it.
#[test]
fn every_page_title_goes_through_the_escaping_component() {
    let mut found = Vec::new();
    for folder in ["components", "pages", "routes"] {
        for (path, text) in files(folder) {
            if path.ends_with("components/title.rs") {
                continue;
            }
            for (number, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                if code.contains("<Title") || code.contains("leptos_meta::Title") || (code.contains("leptos_meta::{") && code.contains("Title")) {
                    found.push(format!("{}:{}: {}", path.display(), number + 1, line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "use PageTitle instead:\n{}", found.join("\n"));
}
