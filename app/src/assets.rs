//! The names of the browser's files. `make build` (.ci/assets) names them by content hash and
//! lists the hashes in `SITE_ROOT/hash.txt`; without that file (tests, `cargo leptos watch`) they
//! keep their plain names. Hashed files never change, so they are served as cacheable for a year.

use leptos::config::LeptosOptions;
use std::path::Path;
use std::sync::OnceLock;

/// The file, in the site root, that lists each kind's hash as `kind: hash` lines.
pub const HASH_FILE: &str = "hash.txt";

/// The hashes the running server serves, once `use_hashed_names` found them.
static HASHES: OnceLock<Vec<(String, String)>> = OnceLock::new();

/// The `kind: hash` lines of a hash file; other lines are ignored.
pub fn parse_hashes(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(kind, hash)| (kind.trim().to_string(), hash.trim().to_string()))
        .filter(|(kind, hash)| !kind.is_empty() && !hash.is_empty() && hash.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect()
}

/// When the site root has a hash file, points Leptos's `HydrationScripts` at it (by absolute
/// path: Leptos joins it to the executable's folder) and remembers the hashes for the style
/// sheet. Returns whether the names are hashed. Called once, when the server starts.
pub fn use_hashed_names(options: &mut LeptosOptions) -> bool {
    let path = Path::new(options.site_root.as_ref()).join(HASH_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else { return false };
    let Ok(absolute) = std::path::absolute(&path) else { return false };
    let hashes = parse_hashes(&text);
    if !["js", "wasm", "css"].iter().all(|kind| hashes.iter().any(|(k, _)| k == kind)) {
        tracing::warn!(file = %path.display(), "the hash file does not name every file; serving plain names");
        return false;
    }
    options.hash_files = true;
    options.hash_file = absolute.to_string_lossy().as_ref().into();
    let _ = HASHES.set(hashes);
    true
}

/// Whether the served names are hashed (and so may be cached for good).
pub fn hashed() -> bool {
    HASHES.get().is_some()
}

/// `name.kind`, with the kind's hash when the site has one: `quell.3f2a….css`.
pub fn file_name(name: &str, kind: &str) -> String {
    match HASHES.get().and_then(|hashes| hashes.iter().find(|(k, _)| k == kind)) {
        Some((_, hash)) => format!("{name}.{hash}.{kind}"),
        None => format!("{name}.{kind}"),
    }
}

/// Where pages link the application's style sheet.
pub fn stylesheet_href() -> String {
    format!("/pkg/{}", file_name("quell", "css"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_lines_are_read_and_odd_lines_ignored() {
        let hashes = parse_hashes("js: abc123\nwasm:def456 \n\ncss: 0a1b\nnot a line\nbad: ../x\n");
        assert_eq!(
            hashes,
            vec![("js".into(), "abc123".into()), ("wasm".into(), "def456".into()), ("css".into(), "0a1b".into())]
        );
    }

    #[test]
    fn plain_names_without_a_hash_file() {
        assert_eq!(file_name("quell", "css"), "quell.css");
    }
}
