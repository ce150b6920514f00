//! Rendered status-page bodies, kept for a few seconds so that many visitors cost one render.
//!
//! A body is made again when it is older than `MAX_AGE` or when this instance changed something
//! the page shows (`changed`), or when the page changes by itself (a maintenance window starting
//! or ending: `Body::fresh_until`, compared with the application clock). Changes made on another
//! instance show within `MAX_AGE`.

use chrono::{DateTime, Utc};
use crate::state::cache::Cache;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long a rendered body is served before it is made again.
pub const MAX_AGE: Duration = Duration::from_secs(10);
/// Bodies kept at most (history pages by cursor, feed, summary, page, stylesheet).
const MAX_ENTRIES: usize = 256;

/// A rendered body with its validator.
#[derive(Debug)]
pub struct Body {
    pub bytes: bytes::Bytes,
    /// The same bytes gzip-compressed, made once with the body: compressing a 160 KB page on
    /// every request would cost more than everything else the request does.
    pub gzip: bytes::Bytes,
    pub content_type: &'static str,
    /// A strong ETag (quoted) of the bytes.
    pub etag: String,
    /// The HTTP status to answer with (404 for a page about something that isn't public).
    pub status: u16,
    /// When what it shows changes by itself (a maintenance window starting or ending).
    pub fresh_until: Option<DateTime<Utc>>,
}

impl Body {
    pub fn new(text: String, content_type: &'static str) -> Body {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut hasher);
        let gzip = {
            use std::io::Write;
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            // Writing to a Vec can't fail.
            let _ = encoder.write_all(text.as_bytes());
            bytes::Bytes::from(encoder.finish().unwrap_or_default())
        };
        Body {
            etag: format!("\"{:016x}-{:x}\"", hasher.finish(), text.len()),
            gzip,
            bytes: bytes::Bytes::from(text),
            content_type,
            status: 200,
            fresh_until: None,
        }
    }

    pub fn fresh_until(mut self, time: Option<DateTime<Utc>>) -> Body {
        self.fresh_until = time;
        self
    }

    pub fn not_found(mut self) -> Body {
        self.status = 404;
        self
    }
}

/// The status page's bodies, under one generation that `changed` moves.
#[derive(Clone)]
pub struct StatusPageCache {
    generation: Arc<AtomicU64>,
    bodies: Cache<Body>,
}

impl Default for StatusPageCache {
    fn default() -> Self {
        StatusPageCache { generation: Default::default(), bodies: Cache::new(MAX_ENTRIES, MAX_AGE) }
    }
}

impl StatusPageCache {
    /// Something the status page shows changed here: render afresh at the next request.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// The body cached under `key`, or the one `make` renders (which is then cached); one render
    /// per key at a time, about `MAX_ENTRIES` keys (`state::cache`).
    pub async fn get_or_make<F, E>(&self, key: &str, now: DateTime<Utc>, make: F) -> Result<Arc<Body>, E>
    where
        F: Future<Output = Result<Body, E>>,
    {
        let generation = self.generation.load(Ordering::Relaxed);
        self.bodies.get_or_make(key, (generation, 0), |body| body.fresh_until.is_none_or(|until| now < until), make).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_is_made_once_until_something_changes() {
        let cache = StatusPageCache::default();
        let made = AtomicU64::new(0);
        let make = || async {
            made.fetch_add(1, Ordering::Relaxed);
            Ok::<_, ()>(Body::new(format!("page {}", made.load(Ordering::Relaxed)), "text/html"))
        };
        let now = Utc::now();
        let first = cache.get_or_make("/status", now, make()).await.unwrap();
        let again = cache.get_or_make("/status", now, make()).await.unwrap();
        assert_eq!(first.etag, again.etag);
        assert_eq!(made.load(Ordering::Relaxed), 1);
        cache.changed();
        let after = cache.get_or_make("/status", now, make()).await.unwrap();
        assert_ne!(first.etag, after.etag);
        assert_eq!(&after.bytes[..], b"page 2");
        let mut unzipped = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&after.gzip[..]), &mut unzipped).unwrap();
        assert_eq!(unzipped, "page 2");
    }

    #[tokio::test]
    async fn a_body_that_changes_by_itself_is_made_again_on_time() {
        let cache = StatusPageCache::default();
        let now = Utc::now();
        let until = now + chrono::Duration::minutes(5);
        let make = |text: &'static str| async move { Ok::<_, ()>(Body::new(text.to_string(), "text/html").fresh_until(Some(until))) };
        cache.get_or_make("/status", now, make("before")).await.unwrap();
        let early = cache.get_or_make("/status", until - chrono::Duration::seconds(1), make("too early")).await.unwrap();
        assert_eq!(&early.bytes[..], b"before");
        let later = cache.get_or_make("/status", until, make("after")).await.unwrap();
        assert_eq!(&later.bytes[..], b"after");
    }
}
