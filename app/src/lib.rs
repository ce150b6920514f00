//! Quell, the application. Compiled twice: with `ssr` for the server (store, auth, server
//! function bodies, HTML rendering) and with `hydrate` for the browser (the same views, made
//! interactive). See ARCHITECTURE.md for the map.

#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod domain;
pub mod errors;
pub mod live;
pub mod pages;
mod routes;
pub mod wire;

#[cfg(feature = "ssr")]
pub mod assets;
#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod engine;
#[cfg(feature = "ssr")]
pub mod markdown;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;

pub use routes::App;
#[cfg(feature = "ssr")]
pub use routes::shell;
