//! Fresh databases for tests: every test gets its own, on SQLite and on Postgres.
//!
//! Postgres is found at `QUELL_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it cannot be reached the Postgres half of
//! a test is skipped with a message, except when `CI=true`, where it fails.

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

/// A new, migrated Postgres database; `None` (after saying so) when Postgres cannot be reached
/// outside CI.
pub async fn fresh_postgres() -> Option<TestDatabase> {
    let db = empty_postgres().await?;
    db.store.migrate().await.expect("migrate the test database");
    Some(db)
}

/// A new Postgres database with no tables; `None` (after saying so) when Postgres cannot be
/// reached outside CI.
pub async fn empty_postgres() -> Option<TestDatabase> {
    let admin_url =
        std::env::var("QUELL_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_TEST_POSTGRES_URL.to_string());
    let mut admin = match PgConnection::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(err) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("Postgres is required in CI but {admin_url} cannot be reached: {err}");
            }
            eprintln!("skipping the Postgres half of this test: {admin_url} cannot be reached: {err}");
            return None;
        }
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
        Ok(super::on_pool!(self, |pool| sqlx::query(sql).execute(pool).await.map(|done| done.rows_affected()))?)
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

/// Runs each named `async fn(Store)` as two tests, one per backend, each on a fresh database
/// that is dropped afterwards, pass or fail.
#[macro_export]
macro_rules! store_contract_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn on_sqlite() {
                    let db = $crate::store::testing::fresh_sqlite().await.expect("fresh SQLite database");
                    $crate::store::testing::run_and_clean_up(db, super::$name).await;
                }

                #[tokio::test]
                async fn on_postgres() {
                    if let Some(db) = $crate::store::testing::fresh_postgres().await {
                        $crate::store::testing::run_and_clean_up(db, super::$name).await;
                    }
                }
            }
        )*
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
