//! The server side of live updates: where changes are published and relayed.

use crate::store::live::Heard;
use crate::store::Store;
use tokio::sync::broadcast;

/// What a listening page is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveMessage {
    /// This incident (its fields, roles or timeline) changed.
    IncidentChanged { incident_id: i64 },
    /// Changes may have been missed: reload everything shown.
    Resync,
}

/// How many messages a slow listener may fall behind before it is told to resync.
const BACKLOG: usize = 1024;

/// How long this instance remembers when each incident last changed. A page that connects
/// with a mark older than that is told to reload.
const REMEMBER_MICROS: i64 = 3600 * 1_000_000;
/// When a mark comes from another instance (or an earlier run), changes heard up to this long
/// before it count as after it: instances' clocks differ a little.
const CLOCK_MARGIN_MICROS: i64 = 2_000_000;

/// Where a page stands in the changes this instance has heard: which instance (a random number
/// per process), how many changes it had heard, and when (Unix microseconds). Pages carry it as
/// text, `<instance>.<seq>.<micros>`; every live event carries the mark just after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub instance: u32,
    pub seq: u64,
    pub micros: i64,
}

impl Mark {
    pub fn parse(text: &str) -> Option<Mark> {
        let mut parts = text.trim().splitn(3, '.');
        Some(Mark { instance: parts.next()?.parse().ok()?, seq: parts.next()?.parse().ok()?, micros: parts.next()?.parse().ok()? })
    }
}

impl std::fmt::Display for Mark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.instance, self.seq, self.micros)
    }
}

/// A message as this instance's listeners get it, with the mark just after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Told {
    pub message: LiveMessage,
    pub mark: Mark,
}

/// A point in the changes heard: their count then, and the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Point {
    seq: u64,
    micros: i64,
}

/// When this instance last heard of a change, per incident and to any incident, for pages that
/// connect after they were rendered.
#[derive(Debug)]
struct ChangeLog {
    instance: u32,
    /// Changes heard so far.
    seq: u64,
    /// Nothing before this is known: the process's start, a resync, or the last change forgotten
    /// (a mark before its `seq` may have missed something).
    known_from: Point,
    any: Point,
    incidents: std::collections::HashMap<i64, Point>,
}

impl ChangeLog {
    fn new(instance: u32, now: i64) -> ChangeLog {
        let start = Point { seq: 0, micros: now };
        ChangeLog { instance, seq: 0, known_from: start, any: start, incidents: Default::default() }
    }

    fn mark(&self, now: i64) -> Mark {
        Mark { instance: self.instance, seq: self.seq, micros: now }
    }

    fn record(&mut self, message: LiveMessage, now: i64) -> Mark {
        self.seq += 1;
        let point = Point { seq: self.seq, micros: now };
        match message {
            LiveMessage::IncidentChanged { incident_id } => {
                self.incidents.insert(incident_id, point);
            }
            LiveMessage::Resync => {
                self.incidents.clear();
                self.known_from = point;
            }
        }
        self.any = point;
        // Forget what is old, all at once, now and then; marks from before it then reload.
        if self.incidents.len() > 1024 {
            let horizon = now - REMEMBER_MICROS;
            let forgotten = self.incidents.values().filter(|p| p.micros < horizon).map(|p| p.seq).max();
            if let Some(seq) = forgotten {
                self.incidents.retain(|_, p| p.micros >= horizon);
                self.known_from = Point { seq, micros: horizon };
            }
        }
        self.mark(now)
    }

    /// Whether a page at `mark` showing `incident` (a list, with `None`) may be out of date.
    /// Marks of this instance compare exactly; others by time, with a margin.
    fn changed_since(&self, incident: Option<i64>, mark: Mark) -> bool {
        let last = match incident {
            Some(id) => self.incidents.get(&id).copied(),
            None => Some(self.any),
        };
        if mark.instance == self.instance && mark.seq <= self.seq {
            mark.seq < self.known_from.seq || last.is_some_and(|p| p.seq > mark.seq)
        } else {
            let at = mark.micros - CLOCK_MARGIN_MICROS;
            at < self.known_from.micros || last.is_some_and(|p| p.seq > 0 && p.micros >= at)
        }
    }
}

/// How many incidents' versions are kept before they are all forgotten at once (every incident
/// then has a new version, and its views are made again).
const VERSIONS_KEPT: usize = 4096;

/// Versions of what pages show, for views made once per version (`state::views`): a number per
/// incident that grows whenever it changes, and one that grows when any incident changes. This
/// instance's own changes count at once (before the server function answers), those of other
/// instances when they are heard.
#[derive(Debug, Default)]
struct Versions {
    last: u64,
    /// The version of every incident not in `incidents`.
    floor: u64,
    any: u64,
    incidents: std::collections::HashMap<i64, u64>,
}

impl Versions {
    /// `incident` changed (`None`: anything may have).
    fn changed(&mut self, incident: Option<i64>) {
        self.last += 1;
        if incident.is_none() || self.incidents.len() >= VERSIONS_KEPT {
            self.incidents.clear();
            self.floor = self.last;
            self.last += 1;
        }
        if let Some(id) = incident {
            self.incidents.insert(id, self.last);
        }
        self.any = self.last;
    }

    fn of(&self, incident: i64) -> u64 {
        self.incidents.get(&incident).copied().unwrap_or(self.floor)
    }
}

/// Now, in Unix microseconds.
fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

#[derive(Clone)]
pub struct LiveHub {
    sender: broadcast::Sender<Told>,
    /// Becomes true when the server shuts down, which ends every live stream.
    closing: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
    log: std::sync::Arc<std::sync::Mutex<ChangeLog>>,
    versions: std::sync::Arc<std::sync::Mutex<Versions>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub {
            sender: broadcast::channel(BACKLOG).0,
            closing: std::sync::Arc::new(tokio::sync::watch::channel(false).0),
            log: std::sync::Arc::new(std::sync::Mutex::new(ChangeLog::new(rand::random(), now_micros()))),
            versions: Default::default(),
        }
    }
}

impl LiveHub {
    /// Ends every live stream (at shutdown, so that open pages don't hold the server up).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once `close` has been called.
    pub fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut closing = self.closing.subscribe();
        async move {
            let _ = closing.wait_for(|closed| *closed).await;
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Told> {
        self.sender.subscribe()
    }

    /// Tells this instance's listeners directly.
    pub fn send(&self, message: LiveMessage) {
        // Numbered and sent under the lock, so listeners get the marks in order.
        let mut log = self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.version_moved(match message {
            LiveMessage::IncidentChanged { incident_id } => Some(incident_id),
            LiveMessage::Resync => None,
        });
        let mark = log.record(message, now_micros());
        // No listeners is not an error.
        let _ = self.sender.send(Told { message, mark });
    }

    /// Where this instance stands now: what a page rendered now carries.
    pub fn mark(&self) -> Mark {
        self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).mark(now_micros())
    }

    /// Whether `incident` (any incident, with `None`) may have changed since `mark`: a page
    /// at `mark` that connects now must reload. Errs towards yes.
    pub fn changed_since(&self, incident: Option<i64>, mark: Mark) -> bool {
        self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).changed_since(incident, mark)
    }

    /// The version of what pages show of `incident`: it grows whenever the incident changes.
    pub fn incident_version(&self, incident: i64) -> u64 {
        self.versions.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).of(incident)
    }

    /// A version that grows whenever any incident changes (for lists).
    pub fn any_version(&self) -> u64 {
        self.versions.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).any
    }

    fn version_moved(&self, incident: Option<i64>) {
        self.versions.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).changed(incident);
    }

    /// Publishes a change to an incident, to every instance. Never fails the change itself: a
    /// lost announcement is logged, and listeners catch up at their next resync. The incident's
    /// version here moves before this returns, also when the announcement goes through the
    /// database (and moves again when it is heard back).
    pub async fn incident_changed(&self, store: &Store, incident_id: i64) {
        if store.announces_through_database() {
            self.version_moved(Some(incident_id));
            if let Err(err) = store.announce_incident_changed(incident_id).await {
                tracing::warn!(error = %err, incident_id, "announcing a change failed");
            }
        } else {
            self.send(LiveMessage::IncidentChanged { incident_id });
        }
    }

    /// Passes changes announced through the database on to this instance's listeners, for as
    /// long as the process runs (returns at once on SQLite).
    pub async fn relay_announcements(self, store: Store) {
        let hub = self;
        let result = store
            .listen_for_changes(move |heard| {
                hub.send(match heard {
                    Heard::Incident(incident_id) => LiveMessage::IncidentChanged { incident_id },
                    Heard::Reconnected => LiveMessage::Resync,
                })
            })
            .await;
        if let Err(err) = result {
            tracing::error!(error = %err, "cannot listen for changes; live updates across instances are off");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_800_000_000_000_000;
    const HERE: u32 = 7;

    fn changed(incident_id: i64) -> LiveMessage {
        LiveMessage::IncidentChanged { incident_id }
    }

    #[test]
    fn marks_of_this_instance_compare_exactly() {
        let mut log = ChangeLog::new(HERE, T);
        log.record(changed(7), T + 1);
        let mark = log.mark(T + 2);
        assert!(!log.changed_since(Some(7), mark), "a change before the mark, however recent, is not news");
        assert!(!log.changed_since(None, mark));
        log.record(changed(7), T + 3);
        assert!(log.changed_since(Some(7), mark));
        assert!(!log.changed_since(Some(8), mark), "only the incident that changed");
        assert!(log.changed_since(None, mark), "a list hears of any incident");
    }

    #[test]
    fn versions_move_with_their_incident_and_all_of_them_at_a_resync() {
        let mut versions = Versions::default();
        let (one, two, any) = (versions.of(1), versions.of(2), versions.any);
        versions.changed(Some(1));
        assert_ne!(versions.of(1), one);
        assert_eq!(versions.of(2), two, "another incident keeps its version");
        assert_ne!(versions.any, any);
        let (one, two) = (versions.of(1), versions.of(2));
        versions.changed(None);
        assert!(versions.of(1) != one && versions.of(2) != two);
        // Past what is kept, every incident moves (none keeps a version it had before).
        let mut seen = std::collections::HashMap::new();
        for id in 0..(VERSIONS_KEPT as i64 + 10) {
            versions.changed(Some(id));
            seen.insert(id, versions.of(id));
        }
        assert!(versions.incidents.len() <= VERSIONS_KEPT);
        let before = seen.clone();
        versions.changed(Some(-1));
        versions.changed(Some(-2));
        for (id, version) in before {
            assert!(versions.of(id) >= version);
        }
    }

    #[test]
    fn marks_parse_back_and_odd_ones_do_not() {
        let mark = Mark { instance: 3, seq: 42, micros: T };
        assert_eq!(Mark::parse(&mark.to_string()), Some(mark));
        for odd in ["", "yesterday", "1.2", "1.x.3", "-1.2.3", "1.2.3.4"] {
            assert_eq!(Mark::parse(odd), None, "{odd}");
        }
    }

    #[test]
    fn marks_of_other_instances_compare_by_time_with_a_margin() {
        let mut log = ChangeLog::new(HERE, T);
        log.record(changed(7), T + 10_000_000);
        let other = |micros| Mark { instance: HERE + 1, seq: 0, micros };
        assert!(log.changed_since(Some(7), other(T + 5_000_000)));
        assert!(log.changed_since(Some(7), other(T + 10_000_000 + CLOCK_MARGIN_MICROS - 1)), "within the margin");
        assert!(!log.changed_since(Some(7), other(T + 10_000_000 + CLOCK_MARGIN_MICROS + 1)));
        assert!(!log.changed_since(Some(8), other(T + 10_000_000 + CLOCK_MARGIN_MICROS + 1)));
        assert!(log.changed_since(Some(8), other(T - CLOCK_MARGIN_MICROS - 1)), "from before this process: reload");
        // A mark claiming more changes than this instance heard is not trusted as its own.
        assert!(log.changed_since(Some(8), Mark { instance: HERE, seq: 99, micros: T - CLOCK_MARGIN_MICROS - 1 }));
    }

    #[test]
    fn a_resync_reloads_every_earlier_mark() {
        let mut log = ChangeLog::new(HERE, T);
        log.record(changed(1), T + 1);
        let before = log.mark(T + 2);
        log.record(LiveMessage::Resync, T + 3);
        let after = log.mark(T + 4);
        assert!(log.changed_since(Some(5), before));
        assert!(!log.changed_since(Some(5), after));
        assert!(!log.changed_since(Some(1), after));
    }

    #[test]
    fn old_changes_are_forgotten_and_marks_from_before_reload() {
        let mut log = ChangeLog::new(HERE, T);
        let early = log.mark(T);
        for id in 0..=1024 {
            log.record(changed(id), T + 1);
        }
        let middle = log.mark(T + 2);
        let later = T + REMEMBER_MICROS + 10;
        log.record(changed(5000), later);
        assert_eq!(log.incidents.len(), 1);
        assert!(log.changed_since(Some(3), early), "forgotten: reload");
        assert!(!log.changed_since(Some(3), middle), "after the forgotten changes: nothing new for 3");
        assert!(log.changed_since(Some(5000), middle));
    }
}
