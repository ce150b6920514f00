//! Types and rules with no I/O: roles and permissions, account fields, the password policy,
//! login throttling arithmetic, the incident catalog, the incident state machine and key times,
//! updates, the status page's arithmetic (component history, uptime), on-call schedules and
//! their picture, post-mortems and action items.
//!
//! This module compiles for both the server and the browser, so it must never import sqlx, axum
//! or anything else that only exists on the server. Every function that needs "now" takes it as
//! an argument.

pub mod account;
pub mod action_item;
pub mod blame;
pub mod catalog;
pub mod contact;
pub mod dates;
pub mod delivery;
pub mod incident;
pub mod paging;
pub mod password;
pub mod permissions;
pub mod post_mortem;
pub mod schedule;
pub mod schedule_picture;
pub mod status_page;
pub mod text;
pub mod throttle;
pub mod updates;

/// A validation failure that names the form field it belongs to, so the form can show the
/// message beside that field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}
