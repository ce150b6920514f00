//! Where the browser's files are. `make build` (.ci/assets) puts one build's files in
//! `SITE_ROOT/pkg/<BUILD>/`, where BUILD is the hash of all of them, and names BUILD in
//! `SITE_ROOT/build.txt`. A build folder never changes, so its files are served as cacheable for a
//! year. Without that file (tests, `cargo leptos watch`) the files sit in `SITE_ROOT/pkg/` itself
//! and are revalidated on every visit.
//!
//! A build holds `quell.js` and `quell.wasm` (what every page needs), `split_*.wasm` and
//! `chunk_*.wasm` (each page's own part and the parts pages share, see `crate::routes`), the
//! loader `__wasm_split.*.js` and its manifest (which parts a page needs: the server names them
//! in the page so they download at once), and `quell.css`.

use leptos::config::LeptosOptions;
use std::path::Path;
use std::sync::OnceLock;

/// The file, in the site root, that names the build being served.
pub const BUILD_FILE: &str = "build.txt";

/// The URL path, and the folder in the site root, under which the browser's files are served.
pub const PKG_DIR: &str = "pkg";

/// The build the running server serves, once `use_build` found it.
static BUILD: OnceLock<String> = OnceLock::new();

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
    options.hash_files = false;
    options.site_pkg_dir = format!("{PKG_DIR}/{build}").into();
    let _ = BUILD.set(build);
    true
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
    fn plain_paths_without_a_build() {
        assert_eq!(stylesheet_href(), "/pkg/quell.css");
    }
}
