//! Server functions: the public HTTP API under `/api/…`. Each is a thin shell: authenticate,
//! authorize, validate, call domain and store, map errors. Each has a stable endpoint.

pub mod action_items;
pub mod auth;
pub mod catalog;
pub mod contacts;
pub mod incidents;
pub mod notifications;
pub mod paging;
pub mod post_mortems;
pub mod preferences;
pub mod profile;
pub mod schedules;
pub mod status_page;
#[cfg(feature = "ssr")]
pub(crate) mod support;
pub mod updates;
pub mod users;
