//! Starting Quell on a listener: the HTTP server and the background work that goes with it (the
//! live relay, the delivery worker, the on-call worker, clean-up). `quell serve` and the test
//! server both start through `start`, so tests run what production runs.

use crate::delivery::{self, Sender, SmtpSettings};
use crate::router::router;
use axum::serve::ListenerExt;
use crate::{supervise, workers};
use app::state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// The live relay's name (in logs and `/readyz`).
const RELAY: &str = "live relay";

/// How the background work runs.
#[derive(Debug, Clone)]
pub struct Background {
    /// Where email goes (none: email deliveries fail with a reason, webhooks still go).
    pub smtp: Option<SmtpSettings>,
    /// How often the on-call worker looks for due steps.
    pub on_call_poll: Duration,
    /// How often the delivery worker looks for due deliveries.
    pub delivery_poll: Duration,
}

/// A started Quell: its state, the server and its background tasks.
pub struct Running {
    pub state: AppState,
    server: JoinHandle<std::io::Result<()>>,
    background: Vec<JoinHandle<()>>,
    shutdown: Arc<tokio::sync::Notify>,
}

/// Serves `state` on `listener` and starts the background work.
pub fn start(state: AppState, listener: tokio::net::TcpListener, background: Background) -> Running {
    let sender = Arc::new(Sender::new(background.smtp.as_ref(), state.settings.outbound.clone()));
    let mut tasks = vec![
        supervise::spawn(&state, workers::CLEANUP, Some(workers::CLEANUP_STALL), {
            let state = state.clone();
            move || workers::clean_up_periodically(state.clone())
        }),
        supervise::spawn(&state, delivery::WORKER, Some(delivery::STALL), {
            let (state, poll) = (state.clone(), background.delivery_poll);
            move || delivery::run(state.clone(), sender.clone(), poll)
        }),
        supervise::spawn(&state, workers::ON_CALL, Some(workers::ON_CALL_STALL), {
            let (state, poll) = (state.clone(), background.on_call_poll);
            move || workers::run_on_call(state.clone(), poll)
        }),
    ];
    // Changes announced by other instances (Postgres only; on SQLite there is one instance).
    if state.store.is_postgres() {
        tasks.push(supervise::spawn(&state, RELAY, None, {
            let state = state.clone();
            move || state.live.clone().relay_announcements(state.store.clone())
        }));
    }
    let shutdown = Arc::new(tokio::sync::Notify::new());
    let (stop, live) = (shutdown.clone(), state.live.clone());
    let app = router(state.clone());
    let server = tokio::spawn(async move {
        axum::serve(serving(listener), app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                stop.notified().await;
                // Open live streams would otherwise keep the server from stopping.
                live.close();
            })
            .await
    });
    Running { state, server, background: tasks, shutdown }
}

/// The listener as `start` serves it: every accepted connection sends each write at once
/// (`TCP_NODELAY`). Without it, a response written in two parts (the headers, then a file's bytes
/// or a streamed page's next part) waits for the browser's delayed acknowledgement of the first
/// on a reused connection: 40 ms per small file on Linux, which made a first visit's 44 wasm
/// files take half a second.
fn serving(listener: tokio::net::TcpListener) -> axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)> {
    listener.tap_io(no_delay)
}

fn no_delay(stream: &mut tokio::net::TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "TCP_NODELAY could not be set on a connection");
    }
}

impl Running {
    /// Serves until `signal` resolves (or the server fails), then shuts down like `shut_down`.
    pub async fn serve_until(mut self, signal: impl Future<Output = ()>) -> std::io::Result<()> {
        let failed = tokio::select! {
            _ = signal => None,
            served = &mut self.server => Some(served),
        };
        match failed {
            None => self.shut_down().await,
            Some(served) => {
                self.stop_background().await;
                flatten(served)
            }
        }
    }

    /// Stops taking requests, lets those in flight finish, stops the background work and closes
    /// the database.
    pub async fn shut_down(mut self) -> std::io::Result<()> {
        self.shutdown.notify_one();
        let served = flatten((&mut self.server).await);
        self.stop_background().await;
        served
    }

    async fn stop_background(&self) {
        for task in &self.background {
            task.abort();
        }
        self.state.store.close().await;
    }

    /// Stops everything at once, as a crash would; the database is left as it is.
    pub fn halt(&self) {
        self.server.abort();
        for task in &self.background {
            task.abort();
        }
    }
}

fn flatten(joined: Result<std::io::Result<()>, tokio::task::JoinError>) -> std::io::Result<()> {
    joined.unwrap_or_else(|err| Err(std::io::Error::other(err)))
}

#[cfg(test)]
mod tests {
    use axum::serve::Listener;

    #[tokio::test]
    async fn every_connection_served_sends_each_write_at_once() {
        let mut listener = super::serving(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap());
        let client = tokio::spawn(tokio::net::TcpStream::connect(listener.local_addr().unwrap()));
        let (stream, _) = listener.accept().await;
        assert!(stream.nodelay().unwrap(), "an accepted connection has TCP_NODELAY");
        drop(client.await);
    }
}
