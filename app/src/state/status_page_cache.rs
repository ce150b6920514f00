//! Rendered status-page bodies, kept for a few seconds so that many visitors cost one render.
//!
//! A body is made again when it is older than `MAX_AGE` or when this instance changed something
//! the page shows (`changed`), or when the page changes by itself (a maintenance window starting
//! or ending: `Body::fresh_until`, compared with the application clock). Changes made on another
//! instance show within `MAX_AGE`.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

struct Entry {
    generation: u64,
    made: Instant,
    body: Arc<Body>,
}

/// One key's body. Fresh bodies are read under its read lock, many at once; its write lock is
/// held while the body is rendered, so one request renders it and the others for that key wait.
type Slot = Arc<tokio::sync::RwLock<Option<Entry>>>;

#[derive(Clone, Default)]
pub struct StatusPageCache {
    generation: Arc<AtomicU64>,
    /// Held only to find a key's slot, never across a render: renders of different keys run at
    /// the same time.
    slots: Arc<std::sync::Mutex<HashMap<String, Slot>>>,
}

impl StatusPageCache {
    /// Something the status page shows changed here: render afresh at the next request.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// The body cached under `key`, or the one `make` renders (which is then cached). Requests
    /// for the same key wait for one render instead of each rendering; requests for other keys
    /// don't wait. About `MAX_ENTRIES` keys are kept: when a new key would pass that, the oldest
    /// quarter of the bodies nobody is rendering or waiting for is dropped (a key being rendered
    /// keeps its one slot, so it is never rendered twice at once).
    pub async fn get_or_make<F, E>(&self, key: &str, now: DateTime<Utc>, make: F) -> Result<Arc<Body>, E>
    where
        F: Future<Output = Result<Body, E>>,
    {
        let generation = self.generation.load(Ordering::Relaxed);
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if !slots.contains_key(key) && slots.len() >= MAX_ENTRIES {
                evict_oldest_idle(&mut slots);
            }
            slots.entry(key.to_string()).or_default().clone()
        };
        let usable = |entry: &Option<Entry>| {
            entry.as_ref().filter(|e| e.generation == generation && e.made.elapsed() < MAX_AGE && e.body.fresh_until.is_none_or(|until| now < until)).map(|e| e.body.clone())
        };
        if let Some(body) = usable(&*slot.read().await) {
            return Ok(body);
        }
        let mut entry = slot.write().await;
        // Another request may have rendered it while this one waited.
        if let Some(body) = usable(&entry) {
            return Ok(body);
        }
        let body = Arc::new(make.await?);
        *entry = Some(Entry { generation, made: Instant::now(), body: body.clone() });
        Ok(body)
    }

    /// Keys held now (for tests).
    pub fn key_count(&self) -> usize {
        self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }
}

/// Drops the oldest quarter of the slots that nobody holds (no render or wait under way).
fn evict_oldest_idle(slots: &mut HashMap<String, Slot>) {
    let mut idle: Vec<(Option<Instant>, String)> = slots
        .iter()
        .filter(|(_, slot)| Arc::strong_count(slot) == 1)
        .filter_map(|(key, slot)| slot.try_read().ok().map(|entry| (entry.as_ref().map(|e| e.made), key.clone())))
        .collect();
    idle.sort();
    for (_, key) in idle.into_iter().take(MAX_ENTRIES / 4) {
        slots.remove(&key);
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

    #[tokio::test]
    async fn a_slow_render_holds_up_only_requests_for_its_own_key() {
        let cache = StatusPageCache::default();
        let now = Utc::now();
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let slow_cache = cache.clone();
        let slow = tokio::spawn(async move {
            slow_cache
                .get_or_make("history:1", now, async {
                    let _ = released.await;
                    Ok::<_, ()>(Body::new("slow".into(), "text/html"))
                })
                .await
        });
        tokio::task::yield_now().await;
        let other = tokio::time::timeout(Duration::from_secs(5), cache.get_or_make("page", now, async { Ok::<_, ()>(Body::new("page".into(), "text/html")) }))
            .await
            .expect("another key is not held up by a render under way");
        assert_eq!(&other.unwrap().bytes[..], b"page");
        // Requests for the slow key wait for its one render rather than render again.
        let waiting_cache = cache.clone();
        let waiting = tokio::spawn(async move {
            waiting_cache.get_or_make("history:1", now, async { Ok::<_, ()>(Body::new("second render".into(), "text/html")) }).await
        });
        tokio::task::yield_now().await;
        release.send(()).unwrap();
        assert_eq!(&slow.await.unwrap().unwrap().bytes[..], b"slow");
        assert_eq!(&waiting.await.unwrap().unwrap().bytes[..], b"slow");
    }

    #[tokio::test]
    async fn the_cache_holds_a_bounded_number_of_keys() {
        let cache = StatusPageCache::default();
        let now = Utc::now();
        cache.get_or_make("page", now, async { Ok::<_, ()>(Body::new("page".into(), "text/html")) }).await.unwrap();
        for n in 0..(MAX_ENTRIES * 3) {
            cache.get_or_make(&format!("history:{n}"), now, async { Ok::<_, ()>(Body::new("h".into(), "text/html")) }).await.unwrap();
            assert!(cache.key_count() <= MAX_ENTRIES);
        }
        // The newest keys stay; the oldest went first.
        let kept = cache.get_or_make(&format!("history:{}", MAX_ENTRIES * 3 - 1), now, async { Ok::<_, ()>(Body::new("again".into(), "text/html")) }).await.unwrap();
        assert_eq!(&kept.bytes[..], b"h");
    }
}
