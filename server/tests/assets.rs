//! The browser's files as `make build` lays them out (.ci/assets): one build's files in
//! `pkg/<BUILD>/`, named by `build.txt`, a brotli and a gzip copy of each, served with a year's
//! caching; pages name them and are revalidated on every visit. (Its own test binary: the build
//! is set once per process, as `quell serve` sets it.)

mod support;

use app::store::testing::fresh_sqlite;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use reqwest::StatusCode;
use support::*;

const BUILD: &str = "0123456789abcdef";

/// A site as .ci/assets writes it; the compressed copies are marked so the test can tell which
/// one was served. An older build's folder is gone.
fn site() -> tempfile_dir::Dir {
    let dir = tempfile_dir::Dir::new();
    let pkg = dir.path().join("pkg").join(BUILD);
    std::fs::create_dir_all(&pkg).unwrap();
    for (file, body) in [("quell.js", "export function hydrate() {}"), ("quell.wasm", "\0asm"), ("quell.css", "body{margin:0}"), ("split_a.wasm", "\0asm")] {
        let file = pkg.join(file);
        std::fs::write(&file, body).unwrap();
        std::fs::write(format!("{}.br", file.display()), format!("brotli of {body}")).unwrap();
        std::fs::write(format!("{}.gz", file.display()), format!("gzip of {body}")).unwrap();
    }
    std::fs::write(pkg.join("parts.json"), r#"{"entry_pages_77": ["chunk_3", "split_entry_pages_77"]}"#).unwrap();
    std::fs::write(pkg.join("__wasm_split.0123.js"), "export {}").unwrap();
    std::fs::write(dir.path().join("build.txt"), format!("{BUILD}\n")).unwrap();
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
async fn a_builds_files_are_precompressed_cached_for_good_and_named_by_pages() {
    let site = site();
    let app = spawn_app_with_site(fresh_sqlite().await.unwrap(), site.path().to_str().unwrap()).await;
    let http = bare_client();
    let css = format!("/pkg/{BUILD}/quell.css");

    for (accept, encoding, body) in
        [("br, gzip", Some("br"), "brotli of body{margin:0}"), ("gzip", Some("gzip"), "gzip of body{margin:0}"), ("identity", None, "body{margin:0}")]
    {
        let response = http.get(app.url(&css)).header(ACCEPT_ENCODING, accept).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{accept}");
        assert_eq!(response.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert_eq!(response.headers()[CONTENT_TYPE], "text/css");
        assert_eq!(response.headers().get(CONTENT_ENCODING).map(|v| v.to_str().unwrap()), encoding, "{accept}");
        assert!(response.headers().get("set-cookie").is_none(), "files carry no session");
        // Only what matters for a file that is never a document.
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        for document_only in ["x-frame-options", "content-security-policy", "cross-origin-opener-policy", "referrer-policy"] {
            assert!(response.headers().get(document_only).is_none(), "{css} has no {document_only}");
        }
        assert_eq!(response.text().await.unwrap(), body, "{accept}");
    }
    for part in ["quell.wasm", "split_a.wasm"] {
        let wasm = http.get(app.url(&format!("/pkg/{BUILD}/{part}"))).header(ACCEPT_ENCODING, "br").send().await.unwrap();
        assert_eq!(wasm.headers()[CONTENT_TYPE], "application/wasm");
        assert_eq!(wasm.headers()[CONTENT_ENCODING], "br");
        assert_eq!(wasm.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    }
    for missing in ["/pkg/fedcba9876543210/quell.js", "/pkg/quell.js"] {
        let response = http.get(app.url(missing)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(response.headers()["content-security-policy"], "default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
    }

    // Pages name the hashed files and are asked for again on every visit.
    let page = http.get(app.url("/setup")).send().await.unwrap();
    assert_eq!(page.headers()[CACHE_CONTROL], "private, no-cache");
    let html = page.text().await.unwrap();
    for name in ["quell.css", "quell.js", "quell.wasm"] {
        let path = format!("/pkg/{BUILD}/{name}");
        assert!(html.contains(&path), "the page names {path}: {html}");
    }
    assert!(!html.contains("/pkg/quell."), "no plain names");

    // Every response names the files of the page's lazy part, so they download beside the shell.
    for _ in 0..20 {
        let page = http.get(app.url("/setup")).send().await.unwrap();
        let links: Vec<&str> = page.headers().get_all(reqwest::header::LINK).iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(
            links,
            [format!(
                "</pkg/{BUILD}/quell.css>; rel=preload; as=style, </pkg/{BUILD}/quell.js>; rel=modulepreload, \
                 </pkg/{BUILD}/quell.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin, \
                 </pkg/{BUILD}/__wasm_split.0123.js>; rel=modulepreload, \
                 </pkg/{BUILD}/split_entry_pages_77.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin, \
                 </pkg/{BUILD}/chunk_3.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin"
            )]
        );
    }
}
