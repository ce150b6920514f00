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

#[derive(Clone)]
pub struct LiveHub {
    sender: broadcast::Sender<LiveMessage>,
    /// Becomes true when the server shuts down, which ends every live stream.
    closing: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub { sender: broadcast::channel(BACKLOG).0, closing: std::sync::Arc::new(tokio::sync::watch::channel(false).0) }
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

    pub fn subscribe(&self) -> broadcast::Receiver<LiveMessage> {
        self.sender.subscribe()
    }

    /// Tells this instance's listeners directly.
    pub fn send(&self, message: LiveMessage) {
        // No listeners is not an error.
        let _ = self.sender.send(message);
    }

    /// Publishes a change to an incident, to every instance. Never fails the change itself: a
    /// lost announcement is logged, and listeners catch up at their next resync.
    pub async fn incident_changed(&self, store: &Store, incident_id: i64) {
        if store.announces_through_database() {
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
