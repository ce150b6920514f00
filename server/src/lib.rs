//! The Quell server: configuration, command line, HTTP router, middleware and background work.
//! The application itself (pages, server functions, store) lives in the `app` crate.

pub mod acknowledge;
pub mod bodies;
pub mod calendars;
pub mod cli;
pub mod config;
pub mod delivery;
pub mod export;
pub mod live;
pub mod middleware;
pub mod password_reset;
pub mod plain_page;
pub mod router;
pub mod start;
pub mod status_page;
pub mod supervise;
pub mod telemetry;
pub mod workers;
