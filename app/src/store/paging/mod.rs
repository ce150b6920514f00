//! Escalation policies, pages and their steps, acknowledgements, and hand-off notices.
//!
//! A page's next step is claimed by moving `pages.step` on with a conditional update in the
//! same transaction that writes what the step does (recipients, deliveries, the timeline
//! event). Whoever moves it first wins; anyone else finds the step gone and writes nothing. So a
//! step runs once, across restarts and across instances.
//!
//! Here: the types and rows shared by the children `policies` (escalation policies and which
//! services use them), `pages` (opening pages, taking their steps, acknowledgement and its
//! one-time links) and `handoffs` (hand-off notices and reaching people).

use super::{Page, PageRequest};
use super::incidents::NewEvent;
use super::notifications::{insert_deliveries, NewDelivery};
use crate::store::stale_or_missing;
use super::contacts::SqlContactMethod;
use super::query::{bind_args, ids_in, value_rows, Arg};
use super::BeginWrite;
use super::{on_pool, Store, StoreError};
use crate::domain::paging::{Level, PageStatus, Plan, Policy, Target};
use chrono::{DateTime, Utc};

/// The fields of a policy that people edit.
#[derive(Debug, Clone)]
pub struct PolicyFields {
    pub name: String,
    pub description: String,
    pub plan: Plan,
}


/// A page as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRecord {
    pub id: i64,
    pub incident_id: Option<i64>,
    pub target_name: String,
    pub plan: Plan,
    pub message: String,
    pub status: PageStatus,
    pub step: i64,
    pub next_step_at: Option<DateTime<Utc>>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub acknowledged_by: Option<i64>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// Someone a step paged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub page_id: i64,
    pub step: i64,
    pub user_id: i64,
    pub methods: i64,
    pub created_at: DateTime<Utc>,
}

/// Someone a step pages, with the hash of their one-time acknowledgement link.
#[derive(Debug, Clone)]
pub struct NewRecipient {
    pub user_id: i64,
    pub methods: i64,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

/// What a page's due step does, worked out by the escalation engine.
#[derive(Debug, Clone)]
pub struct TakenStep {
    pub page_id: i64,
    /// The step being taken (the page's `step` as it was read).
    pub step: i64,
    /// When the step after is due; `None`: the page ends unanswered now.
    pub next_step_at: Option<DateTime<Utc>>,
    pub recipients: Vec<NewRecipient>,
    pub deliveries: Vec<NewDelivery>,
    /// The timeline event, for a page of an incident.
    pub event: Option<(i64, NewEvent)>,
}

/// A hand-off notice to queue once: the shift it announces and the messages.
#[derive(Debug, Clone)]
pub struct HandoffNotice {
    pub schedule_id: i64,
    pub user_id: i64,
    pub shift_start: DateTime<Utc>,
    pub deliveries: Vec<NewDelivery>,
}

/// How an acknowledgement went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acknowledged {
    /// This acknowledgement stopped the escalation.
    Now(PageRecord),
    /// The page had already ended (acknowledged by someone, stopped or unanswered).
    Already(PageRecord),
}

/// A person with what it takes to reach them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachablePerson {
    pub user_id: i64,
    pub name: String,
    pub time_zone: String,
    pub methods: Vec<crate::domain::contact::ContactMethod>,
    /// When each method is used (`domain::contact::page_sends`); empty: all at once.
    pub rules: Vec<crate::domain::contact::NotificationRule>,
}

const PAGE_COLUMNS: &str = "id, incident_id, target_name, plan, message, status, step, next_step_at, created_by, created_at, \
                            acknowledged_by, acknowledged_at, ended_at";

#[derive(sqlx::FromRow)]
struct SqlPage {
    id: i64,
    incident_id: Option<i64>,
    target_name: String,
    plan: String,
    message: String,
    status: String,
    step: i64,
    next_step_at: Option<DateTime<Utc>>,
    created_by: i64,
    created_at: DateTime<Utc>,
    acknowledged_by: Option<i64>,
    acknowledged_at: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
}

impl SqlPage {
    fn into_page(self) -> PageRecord {
        PageRecord {
            id: self.id,
            incident_id: self.incident_id,
            target_name: self.target_name,
            // Written by the store from a `Plan`; an unreadable one pages nobody.
            plan: serde_json::from_str(&self.plan).unwrap_or(Plan { levels: Vec::new(), repeats: 0 }),
            message: self.message,
            status: PageStatus::parse(&self.status),
            step: self.step,
            next_step_at: self.next_step_at,
            created_by: self.created_by,
            created_at: self.created_at,
            acknowledged_by: self.acknowledged_by,
            acknowledged_at: self.acknowledged_at,
            ended_at: self.ended_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct SqlPolicy {
    id: i64,
    name: String,
    description: String,
    repeats: i64,
    revision: i64,
}

/// Rows written by one multi-row insert (at most 7 arguments each).
const ROWS_PER_INSERT: usize = 500;

mod handoffs;
mod pages;
pub(crate) mod opening;
pub use opening::NewPage;
mod policies;
