//! Fresh databases for tests: every test gets its own, on SQLite and on Postgres.
//!
//! Postgres is found at `QUELL_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it cannot be reached the Postgres half of
//! a test fails, unless the person running the tests opted out with `QUELL_SKIP_POSTGRES=1`;
//! then it is skipped with a loud message on standard error.
//!
//! `on_each_database!` is the one way a test body runs on both databases.

use super::{Store, StoreError};
use sqlx::{Connection, PgConnection};

pub const DEFAULT_TEST_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A migrated database that lives as long as the test.
pub struct TestDatabase {
    pub store: Store,
    /// The Postgres database to drop afterwards (none for SQLite, which is a temporary file).
    postgres: Option<(String, String)>,
    _dir: Option<TempDir>,
}

impl TestDatabase {
    /// Closes the pool and drops the Postgres database.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((admin_url, name)) = self.postgres {
            if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                let _ = sqlx::query(&format!("drop database if exists \"{name}\" with (force)"))
                    .execute(&mut admin)
                    .await;
            }
        }
    }

    /// The `DATABASE_URL` of this database, for starting a server on it.
    pub fn url(&self) -> String {
        match (&self.postgres, &self._dir) {
            (Some((admin_url, name)), _) => replace_database(admin_url, name),
            (None, Some(dir)) => format!("sqlite://{}/quell.db", dir.path.display()),
            (None, None) => unreachable!("every test database is SQLite or Postgres"),
        }
    }
}

/// A directory removed when dropped.
struct TempDir {
    path: std::path::PathBuf,
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn random_suffix() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..12).map(|_| char::from(b'a' + rng.gen_range(0..26u8))).collect()
}

/// A new SQLite database in a temporary directory, migrated.
pub async fn fresh_sqlite() -> Result<TestDatabase, StoreError> {
    let db = empty_sqlite().await?;
    db.store.migrate().await?;
    Ok(db)
}

/// A new SQLite database in a temporary directory, not migrated.
pub async fn empty_sqlite() -> Result<TestDatabase, StoreError> {
    let path = std::env::temp_dir().join(format!("quell-test-{}", random_suffix()));
    std::fs::create_dir_all(&path).map_err(|err| StoreError::Config(err.to_string()))?;
    let dir = TempDir { path };
    let store = Store::connect(&format!("sqlite://{}/quell.db", dir.path.display())).await?;
    Ok(TestDatabase { store, postgres: None, _dir: Some(dir) })
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let prefix = base.rsplit_once('/').map(|(prefix, _)| prefix).unwrap_or(base);
    format!("{prefix}/{name}{query}")
}

/// Whether the person running the tests said to skip Postgres (`QUELL_SKIP_POSTGRES=1`).
pub fn postgres_skipped() -> bool {
    std::env::var("QUELL_SKIP_POSTGRES").is_ok_and(|v| v == "1")
}

/// A new, migrated Postgres database; `None` (after saying so) when it is skipped on purpose.
pub async fn fresh_postgres() -> Option<TestDatabase> {
    let db = empty_postgres().await?;
    db.store.migrate().await.expect("migrate the test database");
    Some(db)
}

/// A new Postgres database with no tables; `None` (after saying so) when Postgres is skipped on
/// purpose (`QUELL_SKIP_POSTGRES=1`). Postgres that cannot be reached fails the test.
pub async fn empty_postgres() -> Option<TestDatabase> {
    let admin_url =
        std::env::var("QUELL_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_TEST_POSTGRES_URL.to_string());
    if postgres_skipped() {
        eprintln!("!!! QUELL_SKIP_POSTGRES=1: the Postgres half of this test did NOT run !!!");
        return None;
    }
    let mut admin = match PgConnection::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(err) => panic!(
            "Postgres at {admin_url} cannot be reached ({err}). Start it (make postgres), point \
             QUELL_TEST_POSTGRES_URL at one, or skip it on purpose with QUELL_SKIP_POSTGRES=1."
        ),
    };
    let name = format!("quell_test_{}", random_suffix());
    sqlx::query(&format!("create database \"{name}\""))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let store = Store::connect(&replace_database(&admin_url, &name)).await.expect("connect to the test database");
    Some(TestDatabase { store, postgres: Some((admin_url, name)), _dir: None })
}

impl Store {
    /// Runs one statement outside the store's API, for tests that check what the database itself
    /// refuses (such as deleting timeline events).
    pub async fn execute_for_test(&self, sql: &str) -> Result<u64, StoreError> {
        // Counts as a write through this store: views made before it are made again.
        let _shared = self.shared_write();
        Ok(super::on_pool!(self, |pool| sqlx::query(sql).execute(pool).await.map(|done| done.rows_affected()))?)
    }
}

impl Store {
    /// Adds `count` incidents titled `title` in one statement, for tests of what happens past a
    /// limit (declared by the first user, at the first severity, in triage).
    pub async fn seed_incidents_for_tests(&self, count: i64, title: &str) {
        let _shared = self.shared_write();
        let now = if self.is_postgres() { "now()" } else { "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')" };
        let title = title.replace('\'', "''");
        let sql = format!(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < {count}) \
             insert into incidents (title, summary, status, severity_id, declared_by, declared_at, updated_at) \
             select '{title}', '', 'triage', (select min(id) from severities), (select min(id) from users), {now}, {now} from n"
        );
        self.execute_for_test(&sql).await.expect("seed incidents");
    }
}

/// Runs a test body on a database, then drops the database whether the body passed or failed
/// (a failure is re-raised afterwards).
pub async fn run_and_clean_up<F>(db: TestDatabase, body: impl FnOnce(Store) -> F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let outcome = tokio::spawn(body(db.store.clone())).await;
    db.cleanup().await;
    rethrow(outcome);
}

/// Re-raises the failure of a test body that ran as a spawned task (after the caller cleaned
/// up), so the test fails with the body's own panic message.
pub fn rethrow(outcome: Result<(), tokio::task::JoinError>) {
    if let Err(err) = outcome {
        if err.is_panic() {
            std::panic::resume_unwind(err.into_panic());
        }
        panic!("test task failed: {err}");
    }
}

/// Runs each named test as two tests, `<name>::on_sqlite` and `<name>::on_postgres`, each on a
/// fresh database. `|db, test| RUN` says how: `db` is the `TestDatabase`, `test` the named
/// function, and `RUN` a future that runs one with the other and cleans up (for example
/// `store::testing::run_and_clean_up(db, test)`). Every per-database suite goes through here.
#[macro_export]
macro_rules! on_each_database {
    (|$db:ident, $test:ident| $run:expr; $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn on_sqlite() {
                    let $db = $crate::store::testing::fresh_sqlite().await.expect("fresh SQLite database");
                    let $test = super::$name;
                    $run.await;
                }

                #[tokio::test]
                async fn on_postgres() {
                    let Some($db) = $crate::store::testing::fresh_postgres().await else { return };
                    let $test = super::$name;
                    $run.await;
                }
            }
        )*
    };
}

/// Runs each named `async fn(Store)` on both databases (the store contract suites).
#[macro_export]
macro_rules! store_contract_tests {
    ($($name:ident),* $(,)?) => {
        $crate::on_each_database!(|db, test| $crate::store::testing::run_and_clean_up(db, test); $($name),*);
    };
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn the_database_name_is_replaced_and_the_query_kept() {
        assert_eq!(replace_database("postgres://u@h:5432/postgres", "x"), "postgres://u@h:5432/x");
        assert_eq!(replace_database("postgres://u@h/postgres?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
    }
}
