//! The browser's files as `make build` lays them out (.ci/assets): content-hashed names listed in
//! `hash.txt`, a brotli and a gzip copy of each, served with a year's caching; pages name them
//! and are revalidated on every visit. (Its own test binary: the hashed names are set once per
//! process, as `quell serve` sets them.)

mod support;

use app::store::testing::fresh_sqlite;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use reqwest::StatusCode;
use support::*;

const JS: &str = "0123456789abcdef";
const WASM: &str = "fedcba9876543210";
const CSS: &str = "00aa11bb22cc33dd";

/// A site as .ci/assets writes it; the compressed copies are marked so the test can tell which
/// one was served.
fn site() -> tempfile_dir::Dir {
    let dir = tempfile_dir::Dir::new();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    for (kind, hash, body) in [("js", JS, "export function hydrate() {}"), ("wasm", WASM, "\0asm"), ("css", CSS, "body{margin:0}")] {
        let file = pkg.join(format!("quell.{hash}.{kind}"));
        std::fs::write(&file, body).unwrap();
        std::fs::write(format!("{}.br", file.display()), format!("brotli of {kind}")).unwrap();
        std::fs::write(format!("{}.gz", file.display()), format!("gzip of {kind}")).unwrap();
    }
    std::fs::write(dir.path().join("hash.txt"), format!("js: {JS}\nwasm: {WASM}\ncss: {CSS}\n")).unwrap();
    dir
}

/// A temporary folder, removed when dropped.
mod tempfile_dir {
    pub struct Dir(std::path::PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            let path = std::env::temp_dir().join(format!("quell-site-{}-{}", std::process::id(), rand_suffix()));
            std::fs::create_dir_all(&path).unwrap();
            Dir(path)
        }
        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    fn rand_suffix() -> u128 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    }
}

#[tokio::test]
async fn hashed_files_are_precompressed_cached_for_good_and_named_by_pages() {
    let site = site();
    let app = spawn_app_with_site(fresh_sqlite().await.unwrap(), site.path().to_str().unwrap()).await;
    let http = bare_client();
    let css = format!("/pkg/quell.{CSS}.css");

    for (accept, encoding, body) in [("br, gzip", Some("br"), "brotli of css"), ("gzip", Some("gzip"), "gzip of css"), ("identity", None, "body{margin:0}")] {
        let response = http.get(app.url(&css)).header(ACCEPT_ENCODING, accept).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{accept}");
        assert_eq!(response.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert_eq!(response.headers()[CONTENT_TYPE], "text/css");
        assert_eq!(response.headers().get(CONTENT_ENCODING).map(|v| v.to_str().unwrap()), encoding, "{accept}");
        assert!(response.headers().get("set-cookie").is_none(), "files carry no session");
        assert_eq!(response.text().await.unwrap(), body, "{accept}");
    }
    let wasm = http.get(app.url(&format!("/pkg/quell.{WASM}.wasm"))).header(ACCEPT_ENCODING, "br").send().await.unwrap();
    assert_eq!(wasm.headers()[CONTENT_TYPE], "application/wasm");
    assert_eq!(wasm.headers()[CONTENT_ENCODING], "br");
    let missing = http.get(app.url("/pkg/quell.0000000000000000.js")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // Pages name the hashed files and are asked for again on every visit.
    let page = http.get(app.url("/setup")).send().await.unwrap();
    assert_eq!(page.headers()[CACHE_CONTROL], "private, no-cache");
    let html = page.text().await.unwrap();
    for name in [format!("/pkg/quell.{CSS}.css"), format!("quell.{JS}"), format!("quell.{WASM}")] {
        assert!(html.contains(&name), "the page names {name}: {html}");
    }
    assert!(!html.contains("/pkg/quell.css"), "no plain names");
}
