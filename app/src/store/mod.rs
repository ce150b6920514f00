//! The one place that speaks SQL (server only).
//!
//! `Store` wraps either a SQLite or a Postgres pool, chosen at run time from the `DATABASE_URL`
//! scheme. Queries use `$1` placeholders, which both databases accept, and are written once: the
//! `on_pool!` macro expands the same body against each concrete pool type. SQL is written per
//! backend only where the dialects really differ.
//!
//! The store knows nothing of HTTP, sessions or permissions.

pub mod action_items;
pub mod catalog;
pub mod contacts;
pub mod deleted;
mod error;
pub mod incidents;
pub mod live;
pub mod notifications;
pub mod page;
pub mod paging;
pub mod post_mortems;
mod query;
pub mod schedules;
pub mod sessions;
pub mod status_page;
#[cfg(feature = "test-support")]
pub mod testing;
mod throttle;
pub mod updates;
mod users;

pub use error::{OrInternal, Refusal, StoreError};
pub use page::{Page, PageRequest};
pub use users::{NewUser, UserRecord};

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// Runs the same body against whichever pool the store holds. Inside the body `$pool` is a
/// `&SqlitePool` or a `&PgPool`.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($pool) => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Starts a transaction that is going to write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads before it writes fails at once with
/// "database is locked" if another connection committed in between, whatever the busy timeout,
/// while an immediate one waits its turn. Postgres needs no such care.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// The revision guard's answer when a guarded write (`… where id = $1 and revision = $2`)
/// matched no row: `Stale` if the row exists (someone changed it first), `NotFound` if not.
/// `table` is always one of the store's own table names, never input.
pub(crate) async fn stale_or_missing(store: &Store, table: &'static str, id: i64) -> StoreError {
    let sql = format!("select count(*) from {table} where id = $1");
    match on_pool!(store, |pool| sqlx::query_scalar::<_, i64>(&sql).bind(id).fetch_one(pool).await) {
        Ok(0) => StoreError::NotFound,
        Ok(_) => StoreError::Stale,
        Err(err) => err.into(),
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) backend: Backend,
    /// Grows after every write to what many pages show besides incidents' own changes
    /// (`shared_version`).
    shared: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// Moves the store's shared version when dropped, and on Postgres tells the other instances to
/// move theirs (`live::SHARED_CHANGED`). Every write to what many pages show besides incidents
/// holds one for its whole run, so the version moves after the write committed (or failed),
/// whichever way the write returns.
pub(crate) struct SharedWrite<'a>(&'a Store);

impl Drop for SharedWrite<'_> {
    fn drop(&mut self) {
        self.0.shared.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.0.announce_shared_change();
    }
}

/// How long a request waits for a pooled connection before giving up.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

impl Store {
    /// Connects to the database named by `url` (`sqlite://…` or `postgres://…`). A SQLite file and
    /// its directory are created when missing.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect(url)
                .await?;
            return Ok(Store::new(Backend::Postgres(pool)));
        }
        if !url.starts_with("sqlite:") {
            return Err(StoreError::Config(format!(
                "DATABASE_URL must start with sqlite:// or postgres://, not {:?}",
                url.split(':').next().unwrap_or_default()
            )));
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL syncs the log at every commit, so a write Quell has answered survives a power
            // loss as well as a crash of Quell (a 2xx to a monitor means committed; see
            // ARCHITECTURE.md for its cost).
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Reads map the file instead of copying every page through a read call, and each
            // connection keeps 16 MiB of pages (`make bench` under 64 readers: the incidents
            // list 204 → 290 pages/s, post-mortems 204 → 458). The map is address space, not
            // memory; the kernel's cache backs it.
            .pragma("mmap_size", "1073741824")
            .pragma("cache_size", "-16384");
        let path = options.get_filename();
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|err| {
                StoreError::Config(format!("cannot create the database directory {}: {err}", dir.display()))
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        Ok(Store::new(Backend::Sqlite(pool)))
    }

    fn new(backend: Backend) -> Store {
        Store { backend, shared: Default::default() }
    }

    /// A version of what many pages show besides incidents' own changes: the catalog, people and
    /// their passwords, update templates, component states, subscriptions, webhooks, escalation
    /// policies, contact methods, restored schedules and policies, post-mortems and action items.
    /// It grows after every write to them through this store (each such method holds
    /// `shared_write()`), and when another instance announces one (`live::SHARED_CHANGED`).
    pub fn shared_version(&self) -> u64 {
        self.shared.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Held by a write to what `shared_version` covers.
    pub(crate) fn shared_write(&self) -> SharedWrite<'_> {
        SharedWrite(self)
    }

    /// Something `shared_version` covers changed elsewhere (heard from another instance).
    pub(crate) fn shared_changed_elsewhere(&self) {
        self.shared.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Applies the migrations that have not run yet. On Postgres the migrator holds an advisory
    /// lock, so several instances starting at once apply each migration exactly once.
    /// SQLite has no such lock, so there an exclusive lock on a file beside the database
    /// serializes processes on the same host.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let _lock = self.sqlite_migration_lock(pool).await?;
                sqlx::migrate!("../migrations/sqlite").run(pool).await?
            }
            Backend::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Locks `<database>.migrate.lock` until the returned file is dropped.
    async fn sqlite_migration_lock(&self, pool: &SqlitePool) -> Result<Option<std::fs::File>, StoreError> {
        let path = pool.connect_options().get_filename().to_path_buf();
        if path.as_os_str().is_empty() || path.to_string_lossy().contains(":memory:") {
            return Ok(None);
        }
        let mut lock_path = path.into_os_string();
        lock_path.push(".migrate.lock");
        let file = tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path)?;
            file.lock()?;
            Ok::<_, std::io::Error>(file)
        })
        .await
        .map_err(|err| StoreError::Config(format!("migration lock task failed: {err}")))?
        .map_err(|err| StoreError::Config(format!("cannot lock the database for migration: {err}")))?;
        Ok(Some(file))
    }

    /// Whether this store is on Postgres (for the few queries whose SQL differs).
    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Whether the database answers a trivial query (for /readyz).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, |pool| sqlx::query("select 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }
}
