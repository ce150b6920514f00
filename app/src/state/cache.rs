//! Values made from the database that many requests read at once, kept per version of what they
//! show: a value is made by one request while the others asking for the same key wait for it,
//! and it is made again when its version moved, when it is older than the cache's `max_age`, or
//! when the caller finds it unusable (a status page body whose maintenance window started).
//!
//! The version is read before the value is made, so a change that lands while it is being made
//! moves the version past it and the next request makes it again.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a value was made from: numbers that grow whenever what it shows changes.
pub type Version = (u64, u64);

struct Entry<V> {
    version: Version,
    made: Instant,
    value: Arc<V>,
}

/// One key's value. Fresh values are read under its read lock, many at once; its write lock is
/// held while the value is made, so one request makes it and the others for that key wait.
type Slot<V> = Arc<tokio::sync::RwLock<Option<Entry<V>>>>;

pub struct Cache<V> {
    /// Held only to find a key's slot, never while a value is made: values of different keys
    /// are made at the same time.
    slots: Arc<std::sync::Mutex<HashMap<String, Slot<V>>>>,
    max_entries: usize,
    max_age: Duration,
}

impl<V> Clone for Cache<V> {
    fn clone(&self) -> Self {
        Cache { slots: self.slots.clone(), max_entries: self.max_entries, max_age: self.max_age }
    }
}

impl<V: Send + Sync> Cache<V> {
    /// A cache of about `max_entries` keys whose values are made again after `max_age` at the
    /// latest (what another instance changed without this one hearing of it shows by then).
    pub fn new(max_entries: usize, max_age: Duration) -> Self {
        Cache { slots: Default::default(), max_entries: max_entries.max(4), max_age }
    }

    /// The value cached under `key` for `version` (and `usable`), or the one `make` makes, which
    /// is then cached. When a new key would pass `max_entries`, the oldest quarter of the values
    /// nobody is making or waiting for is dropped (a key being made keeps its one slot, so it is
    /// never made twice at once).
    pub async fn get_or_make<F, E>(&self, key: &str, version: Version, usable: impl Fn(&V) -> bool, make: F) -> Result<Arc<V>, E>
    where
        F: Future<Output = Result<V, E>>,
    {
        let key = bounded_key(key);
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if !slots.contains_key(&key) && slots.len() >= self.max_entries {
                evict_oldest_idle(&mut slots, self.max_entries / 4);
            }
            slots.entry(key).or_default().clone()
        };
        // A value made at this version or a later one serves (versions only grow); a request
        // that read an older version never replaces a newer value.
        let at_least = |made: Version| made.0 >= version.0 && made.1 >= version.1;
        let fresh = |entry: &Option<Entry<V>>| {
            entry
                .as_ref()
                .filter(|e| at_least(e.version) && e.made.elapsed() < self.max_age && usable(&e.value))
                .map(|e| e.value.clone())
        };
        if let Some(value) = fresh(&*slot.read().await) {
            return Ok(value);
        }
        let mut entry = slot.write().await;
        // Another request may have made it while this one waited.
        if let Some(value) = fresh(&entry) {
            return Ok(value);
        }
        let value = Arc::new(make.await?);
        *entry = Some(Entry { version, made: Instant::now(), value: value.clone() });
        Ok(value)
    }


    /// Keys held now (for tests).
    pub fn key_count(&self) -> usize {
        self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }
}

/// Keys longer than this are kept as their SHA-256: a key made of what a request asked (a
/// search, a cursor) would otherwise hold as much memory as the request was long.
const KEY_BYTES: usize = 160;

fn bounded_key(key: &str) -> String {
    use sha2::{Digest, Sha256};
    if key.len() <= KEY_BYTES {
        return key.to_string();
    }
    let digest: String = Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{digest}")
}

/// Drops the oldest `count` of the slots that nobody holds (no making or waiting under way).
fn evict_oldest_idle<V>(slots: &mut HashMap<String, Slot<V>>, count: usize) {
    let mut idle: Vec<(Option<Instant>, String)> = slots
        .iter()
        .filter(|(_, slot)| Arc::strong_count(slot) == 1)
        .filter_map(|(key, slot)| slot.try_read().ok().map(|entry| (entry.as_ref().map(|e| e.made), key.clone())))
        .collect();
    idle.sort();
    for (_, key) in idle.into_iter().take(count) {
        slots.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn always(_: &String) -> bool {
        true
    }

    #[tokio::test]
    async fn a_value_is_made_once_per_version() {
        let cache: Cache<String> = Cache::new(16, Duration::from_secs(60));
        let made = AtomicU64::new(0);
        let make = || async {
            let n = made.fetch_add(1, Ordering::Relaxed) + 1;
            Ok::<_, ()>(format!("made {n}"))
        };
        assert_eq!(*cache.get_or_make("a", (1, 0), always, make()).await.unwrap(), "made 1");
        assert_eq!(*cache.get_or_make("a", (1, 0), always, make()).await.unwrap(), "made 1");
        assert_eq!(*cache.get_or_make("a", (2, 0), always, make()).await.unwrap(), "made 2");
        assert_eq!(*cache.get_or_make("a", (2, 1), always, make()).await.unwrap(), "made 3", "either number moving counts");
        assert_eq!(*cache.get_or_make("b", (2, 1), always, make()).await.unwrap(), "made 4", "keys are apart");
        assert_eq!(*cache.get_or_make("a", (2, 1), |v: &String| v != "made 3", make()).await.unwrap(), "made 5", "unusable is made again");
        assert_eq!(made.load(Ordering::Relaxed), 5);
    }

    #[tokio::test]
    async fn a_newer_value_serves_an_older_version_and_long_keys_stay_apart() {
        let cache: Cache<String> = Cache::new(16, Duration::from_secs(60));
        cache.get_or_make("a", (3, 2), always, async { Ok::<_, ()>("newer".to_string()) }).await.unwrap();
        let older = cache.get_or_make("a", (2, 2), always, async { Ok::<_, ()>("older".to_string()) }).await.unwrap();
        assert_eq!(*older, "newer", "a request that read an older version gets the newer value");
        let moved = cache.get_or_make("a", (2, 3), always, async { Ok::<_, ()>("moved".to_string()) }).await.unwrap();
        assert_eq!(*moved, "moved", "one part newer than the kept value: made again");
        let long = |c: char| c.to_string().repeat(10 * KEY_BYTES);
        cache.get_or_make(&long('x'), (1, 1), always, async { Ok::<_, ()>("x".to_string()) }).await.unwrap();
        let y = cache.get_or_make(&long('y'), (1, 1), always, async { Ok::<_, ()>("y".to_string()) }).await.unwrap();
        assert_eq!(*y, "y");
        assert!(cache.slots.lock().unwrap().keys().all(|k| k.len() <= KEY_BYTES.max(71)));
    }

    #[tokio::test]
    async fn a_value_is_made_again_after_its_max_age_and_errors_are_not_kept() {
        let cache: Cache<String> = Cache::new(16, Duration::from_millis(30));
        cache.get_or_make("a", (1, 0), always, async { Ok::<_, ()>("old".to_string()) }).await.unwrap();
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert!(cache.get_or_make("a", (1, 0), always, async { Err::<String, _>("the database is down") }).await.is_err());
        let again = cache.get_or_make("a", (1, 0), always, async { Ok::<_, ()>("new".to_string()) }).await.unwrap();
        assert_eq!(*again, "new");
    }

    #[tokio::test]
    async fn a_slow_make_holds_up_only_requests_for_its_own_key() {
        let cache: Cache<String> = Cache::new(16, Duration::from_secs(60));
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let slow_cache = cache.clone();
        let slow = tokio::spawn(async move {
            slow_cache
                .get_or_make("slow", (1, 0), always, async {
                    let _ = released.await;
                    Ok::<_, ()>("slow".to_string())
                })
                .await
        });
        tokio::task::yield_now().await;
        let other = tokio::time::timeout(Duration::from_secs(5), cache.get_or_make("other", (1, 0), always, async { Ok::<_, ()>("other".to_string()) }))
            .await
            .expect("another key is not held up by a value being made");
        assert_eq!(*other.unwrap(), "other");
        // Requests for the slow key wait for its one make rather than make it again.
        let waiting_cache = cache.clone();
        let waiting = tokio::spawn(async move { waiting_cache.get_or_make("slow", (1, 0), always, async { Ok::<_, ()>("second".to_string()) }).await });
        tokio::task::yield_now().await;
        release.send(()).unwrap();
        assert_eq!(*slow.await.unwrap().unwrap(), "slow");
        assert_eq!(*waiting.await.unwrap().unwrap(), "slow");
    }

    #[tokio::test]
    async fn the_cache_holds_a_bounded_number_of_keys() {
        let max = 64;
        let cache: Cache<String> = Cache::new(max, Duration::from_secs(60));
        cache.get_or_make("first", (1, 0), always, async { Ok::<_, ()>("first".to_string()) }).await.unwrap();
        for n in 0..(max * 3) {
            cache.get_or_make(&format!("key {n}"), (1, 0), always, async { Ok::<_, ()>("v".to_string()) }).await.unwrap();
            assert!(cache.key_count() <= max);
        }
        // The newest keys stay; the oldest went first.
        let kept = cache.get_or_make(&format!("key {}", max * 3 - 1), (1, 0), always, async { Ok::<_, ()>("again".to_string()) }).await.unwrap();
        assert_eq!(*kept, "v");
        let gone = cache.get_or_make("first", (1, 0), always, async { Ok::<_, ()>("again".to_string()) }).await.unwrap();
        assert_eq!(*gone, "again");
    }
}
