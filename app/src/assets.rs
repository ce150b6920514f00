//! Where the browser's files are. `make build` (.ci/assets) puts one build's files in
//! `SITE_ROOT/pkg/<BUILD>/`, where BUILD is the hash of all of them, and names BUILD in
//! `SITE_ROOT/build.txt`. A build folder never changes, so its files are served as cacheable for a
//! year. Without that file (tests, `cargo leptos watch`) the files sit in `SITE_ROOT/pkg/` itself
//! and are revalidated on every visit.
//!
//! A build holds `quell.js` and `quell.wasm` (what every page needs), `split_*.wasm` and
//! `chunk_*.wasm` (each page's own part and the parts pages share, see `crate::routes`), the
//! loader `__wasm_split.*.js` and its manifest `parts.json` (which files each part needs: a page's
//! response names its part's files in a `Link` header so they download at once), and `quell.css`.

use http::HeaderValue;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use leptos::config::LeptosOptions;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// The file, in the site root, that names the build being served.
pub const BUILD_FILE: &str = "build.txt";

/// The URL path, and the folder in the site root, under which the browser's files are served.
pub const PKG_DIR: &str = "pkg";

/// The build the running server serves, once `use_build` found it.
static BUILD: OnceLock<String> = OnceLock::new();

/// The file, in a build's folder, that lists each lazy part's files (written by the split).
pub const MANIFEST_FILE: &str = "parts.json";

/// For each lazy part of the build being served, by the name of its `#[leptos::lazy]` function:
/// the `Link` header that has the browser fetch the part's files beside the shell.
static PART_LINKS: OnceLock<HashMap<String, HeaderValue>> = OnceLock::new();

/// The build named by a build file's text: its first line, when it is a plain hash.
pub fn parse_build(text: &str) -> Option<String> {
    let build = text.lines().next()?.trim();
    (!build.is_empty() && build.len() <= 64 && build.chars().all(|c| c.is_ascii_alphanumeric())).then(|| build.to_string())
}

/// When the site root names a build whose folder exists, points Leptos (its `HydrationScripts`
/// and the lazy routes' manifest) at that folder and remembers it for the style sheet. Returns
/// whether a build is served. Called once, when the server starts.
pub fn use_build(options: &mut LeptosOptions) -> bool {
    let root = Path::new(options.site_root.as_ref());
    let Some(build) = std::fs::read_to_string(root.join(BUILD_FILE)).ok().as_deref().and_then(parse_build) else {
        return false;
    };
    if !root.join(PKG_DIR).join(&build).is_dir() {
        tracing::warn!(build = %build, "the build file names a build that is not there; serving plain names");
        return false;
    }
    let folder = root.join(PKG_DIR).join(&build);
    let manifest = std::fs::read_to_string(folder.join(MANIFEST_FILE)).unwrap_or_default();
    let loader = std::fs::read_dir(&folder)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .find(|name| name.starts_with("__wasm_split.") && name.ends_with(".js"));
    let _ = PART_LINKS.set(part_links(&manifest, &format!("/{PKG_DIR}/{build}"), loader.as_deref()));
    options.hash_files = false;
    options.site_pkg_dir = format!("{PKG_DIR}/{build}").into();
    let _ = BUILD.set(build);
    true
}

/// How a wasm file is preloaded: as the `fetch` that wasm-bindgen and the split's loader make.
const WASM: &str = "rel=preload; as=fetch; type=\"application/wasm\"; crossorigin";

/// Each lazy part's `Link` header, from the manifest the split wrote (`{"<part>_<hash>": [file
/// names without .wasm]}`): the shell's files, then the loader as a `modulepreload` and the
/// part's files as `preload`s, which is what the shell's and the loader's own `fetch` and
/// `import` then find ready (the page's `<head>` names the shell's files again, for browsers
/// that ignore the header). A manifest that can't be read
/// names no part: pages then fetch their part when they hydrate, a little later.
fn part_links(manifest: &str, folder: &str, loader: Option<&str>) -> HashMap<String, HeaderValue> {
    let Ok(parts) = serde_json::from_str::<HashMap<String, Vec<String>>>(manifest) else {
        return HashMap::new();
    };
    parts
        .into_iter()
        .filter_map(|(key, files)| {
            // `#[leptos::lazy]` names a part `<function>_<hash of where it is written>`.
            let (part, hash) = key.rsplit_once('_')?;
            if hash.is_empty() || !hash.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // The shell first: the browser fetches six files at a time, and the part is of no use
            // before the shell has started.
            let mut links = vec![
                format!("<{folder}/quell.css>; rel=preload; as=style"),
                format!("<{folder}/quell.js>; rel=modulepreload"),
                format!("<{folder}/quell.wasm>; {WASM}"),
            ];
            links.extend(loader.map(|loader| format!("<{folder}/{loader}>; rel=modulepreload")));
            // The part's own file (the largest) before the files it shares with other parts.
            let (own, shared): (Vec<&String>, Vec<&String>) = files.iter().partition(|file| file.starts_with("split_"));
            links.extend(own.into_iter().chain(shared).map(|file| format!("<{folder}/{file}.wasm>; {WASM}")));
            let value = HeaderValue::from_str(&links.join(", ")).ok()?;
            Some((part.to_string(), value))
        })
        .collect()
}

/// Has the browser fetch the files of `part` (a `#[leptos::lazy]` function's name) with the page
/// being rendered. Called as the page's route is matched.
pub fn preload_part(part: &str) {
    if let (Some(value), Some(response)) = (PART_LINKS.get().and_then(|links| links.get(part)), use_context::<ResponseOptions>()) {
        response.append_header(http::header::LINK, value.clone());
    }
}

/// Whether a build folder is served (and so its files may be cached for good).
pub fn built() -> bool {
    BUILD.get().is_some()
}

/// The URL path of a file of the served build: `/pkg/<BUILD>/quell.css`, or `/pkg/quell.css`.
pub fn file_path(file: &str) -> String {
    match BUILD.get() {
        Some(build) => format!("/{PKG_DIR}/{build}/{file}"),
        None => format!("/{PKG_DIR}/{file}"),
    }
}

/// Where pages link the application's style sheet.
pub fn stylesheet_href() -> String {
    file_path("quell.css")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_is_a_plain_hash_on_the_first_line() {
        assert_eq!(parse_build("0123abcd\n").as_deref(), Some("0123abcd"));
        assert_eq!(parse_build(" 0123abcd \nignored"), Some("0123abcd".to_string()));
        assert_eq!(parse_build(""), None);
        assert_eq!(parse_build("../etc\n"), None);
        assert_eq!(parse_build("a/b"), None);
    }

    #[test]
    fn each_part_has_a_link_header_naming_its_files_and_the_loader() {
        let links = part_links(
            r#"{"incident_pages_123": ["chunk_1", "split_incident_pages_123"], "incident_list_pages_456": ["chunk_2"], "odd": ["x"]}"#,
            "/pkg/abc",
            Some("__wasm_split.x.js"),
        );
        assert_eq!(
            links["incident_pages"],
            "</pkg/abc/quell.css>; rel=preload; as=style, </pkg/abc/quell.js>; rel=modulepreload, \
             </pkg/abc/quell.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin, \
             </pkg/abc/__wasm_split.x.js>; rel=modulepreload, \
             </pkg/abc/split_incident_pages_123.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin, \
             </pkg/abc/chunk_1.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin"
        );
        assert!(links["incident_list_pages"].to_str().unwrap().ends_with("</pkg/abc/chunk_2.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin"));
        assert_eq!(links.len(), 2, "a name without a hash is no part");
        assert!(part_links("not json", "/pkg/abc", None).is_empty());
    }

    #[test]
    fn plain_paths_without_a_build() {
        assert_eq!(stylesheet_href(), "/pkg/quell.css");
    }
}
