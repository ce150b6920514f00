//! Server-side session storage for tower-sessions, on whichever database the store uses.
//! The `sessions` table is created by our own migrations, not by the session store.

use super::{Backend, Store};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Clone, Debug)]
pub enum SessionBackend {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SessionBackend {
    pub fn for_store(store: &Store) -> SessionBackend {
        match &store.backend {
            Backend::Sqlite(pool) => SessionBackend::Sqlite(
                SqliteStore::new(pool.clone()).with_table_name("sessions").expect("valid table name"),
            ),
            Backend::Postgres(pool) => SessionBackend::Postgres(
                PostgresStore::new(pool.clone())
                    .with_schema_name("public")
                    .expect("valid schema name")
                    .with_table_name("sessions")
                    .expect("valid table name"),
            ),
        }
    }
}

macro_rules! on_session_store {
    ($backend:expr, |$store:ident| $body:expr) => {
        match $backend {
            SessionBackend::Sqlite($store) => $body,
            SessionBackend::Postgres($store) => $body,
        }
    };
}

#[async_trait::async_trait]
impl SessionStore for SessionBackend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        on_session_store!(self, |store| store.create(record).await)
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        on_session_store!(self, |store| store.save(record).await)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        on_session_store!(self, |store| store.load(id).await)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        on_session_store!(self, |store| store.delete(id).await)
    }
}

#[async_trait::async_trait]
impl ExpiredDeletion for SessionBackend {
    async fn delete_expired(&self) -> session_store::Result<()> {
        on_session_store!(self, |store| store.delete_expired().await)
    }
}
