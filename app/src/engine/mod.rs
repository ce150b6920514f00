//! Server-side engines (server only): the work that runs by itself or that several front doors
//! share. Escalation and acknowledgement (`escalation`), hand-off notices and on-call arithmetic
//! with names (`on_call`), action item reminders (`reminders`), what notifications say
//! (`notify`), calendar feeds (`calendar`), the public status page (`status_page`), and times in
//! a person's zone (`zone`), and skipping one bad record instead of stopping (`guard`).
//!
//! Engines use `store`, `domain`, `state` and `auth`'s token helpers. They never import `api`,
//! `components` or `pages`: server functions call engines, never the other way round. Their
//! errors are `StoreError` (the caller decides what a person reads), except where a person is
//! answered directly (acknowledging, calendar feeds).

pub mod calendar;
pub mod escalation;
pub mod guard;
pub mod notify;
pub mod on_call;
pub mod reminders;
pub mod status_page;
pub mod zone;
