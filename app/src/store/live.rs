//! Change notifications between server instances. On Postgres a change is announced with
//! `pg_notify` and every instance (including the one that made it) hears it through `LISTEN`;
//! SQLite runs as one instance, so nothing crosses the database there.

use super::{Backend, Store, StoreError};
use sqlx::postgres::PgListener;

/// The Postgres channel incident changes are announced on.
const INCIDENT_CHANNEL: &str = "quell_incident_changed";
/// Announced on the same channel when the catalog, people, update templates, component states,
/// subscriptions or webhooks changed (`Store::shared_version`).
const SHARED_CHANGED: &str = "shared";

/// What a listener hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// This incident changed.
    Incident(i64),
    /// The connection was lost and re-established: anything may have changed meanwhile.
    Reconnected,
}

impl Store {
    /// Whether changes are announced through the database (several instances may share it).
    pub fn announces_through_database(&self) -> bool {
        self.is_postgres()
    }

    /// Announces that an incident changed to every instance listening (Postgres only).
    pub async fn announce_incident_changed(&self, incident_id: i64) -> Result<(), StoreError> {
        if let Backend::Postgres(pool) = &self.backend {
            sqlx::query("select pg_notify($1, $2)")
                .bind(INCIDENT_CHANNEL)
                .bind(incident_id.to_string())
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    /// Tells the other instances that something `shared_version` covers changed (Postgres only;
    /// sent in the background, as a write ends: a lost announcement is made good by
    /// `views::MAX_AGE`).
    pub(crate) fn announce_shared_change(&self) {
        let Backend::Postgres(pool) = &self.backend else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let pool = pool.clone();
        runtime.spawn(async move {
            let sent = sqlx::query("select pg_notify($1, $2)").bind(INCIDENT_CHANNEL).bind(SHARED_CHANGED).execute(&pool).await;
            if let Err(err) = sent {
                tracing::warn!(error = %err, "announcing a shared change failed");
            }
        });
    }

    /// Listens for announced changes until the process ends, calling `heard` for each (Postgres
    /// only; returns at once on SQLite). A lost connection is re-established by the listener.
    /// Shared changes move this store's `shared_version` (a reconnection too: anything may have
    /// changed meanwhile).
    pub async fn listen_for_changes(&self, heard: impl Fn(Heard) + Send) -> Result<(), StoreError> {
        let Backend::Postgres(pool) = &self.backend else { return Ok(()) };
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(INCIDENT_CHANNEL).await?;
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    if notification.payload() == SHARED_CHANGED {
                        self.shared_changed_elsewhere();
                    } else if let Ok(id) = notification.payload().parse::<i64>() {
                        heard(Heard::Incident(id));
                    }
                }
                // The connection dropped; the next call reconnects and listens again.
                Ok(None) => {
                    self.shared_changed_elsewhere();
                    heard(Heard::Reconnected)
                }
                Err(err) => {
                    tracing::warn!(error = %err, "listening for changes failed; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    self.shared_changed_elsewhere();
                    heard(Heard::Reconnected);
                }
            }
        }
    }
}
