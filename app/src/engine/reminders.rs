//! (ssr) Action item reminders: owners are told when an item is due within
//! `domain::action_item::DUE_SOON_DAYS` days and when it is overdue, and post-mortem owners get a
//! daily digest of their post-mortems' overdue items. Run by the server's on-call worker.
//!
//! Each reminder is recorded once per item, kind and deadline (`action_item_reminders`), and each
//! digest once per owner and day (`overdue_digests`), in the same transaction as its deliveries;
//! so nothing is sent twice across restarts and instances, and a moved deadline earns new
//! reminders. "Today" is the date in the owner's time zone.

use crate::domain::action_item::{reminder_due, today_in, ReminderKind, DUE_SOON_DAYS};
use crate::engine::notify;
use crate::state::AppState;
use crate::store::action_items::{Digest, Reminder};
use crate::store::StoreError;
use chrono::{Duration, NaiveDate};

/// How often the worker looks for reminders to send, by the application's clock.
pub const REMINDER_CHECK_EVERY: Duration = Duration::minutes(1);

/// Items looked at per batch.
const BATCH: i64 = 1000;

/// Queues the reminders and digests that are due; returns how many were new.
pub async fn queue_reminders(state: &AppState, base_url: &str) -> Result<usize, StoreError> {
    let now = state.now();
    let today_utc = now.date_naive();
    // No time zone is more than a day ahead of UTC.
    let latest_due = today_utc + Duration::days(DUE_SOON_DAYS + 1);
    let mut queued = 0;
    let mut after = 0;
    loop {
        let candidates = state.store.reminder_candidates(latest_due, after, BATCH).await?;
        let Some(last) = candidates.last() else { break };
        after = last.id;
        let full = candidates.len() as i64 == BATCH;
        let mut owners: Vec<i64> = candidates.iter().map(|c| c.owner_id).collect();
        owners.sort_unstable();
        owners.dedup();
        let people = state.store.reachable_people(&owners).await?;
        let reminders: Vec<Reminder> = candidates
            .iter()
            .filter_map(|item| {
                let person = people.iter().find(|p| p.user_id == item.owner_id)?;
                let today = today_in(now, &crate::engine::zone::named(&person.time_zone));
                let kind = reminder_due(crate::domain::action_item::ItemStatus::Open, item.due_on, today)?;
                if kind == ReminderKind::DueSoon && item.due_soon_sent {
                    return None;
                }
                Some(Reminder {
                    action_item_id: item.id,
                    kind,
                    due_on: item.due_on,
                    deliveries: notify::reminder_deliveries(item, kind, today, person, base_url),
                })
            })
            .collect();
        queued += state.store.queue_reminders(&reminders, &[], now).await?;
        if !full {
            break;
        }
    }
    queued += queue_digests(state, base_url, today_utc).await?;
    if queued > 0 {
        tracing::info!(queued, "action item reminders queued");
        state.deliveries_queued.notify_one();
    }
    Ok(queued)
}

/// Queues today's digest for each post-mortem owner with overdue items and none yet today.
async fn queue_digests(state: &AppState, base_url: &str, today_utc: NaiveDate) -> Result<usize, StoreError> {
    let now = state.now();
    let candidates = state.store.digest_candidates(today_utc + Duration::days(1), today_utc, BATCH * 10).await?;
    if candidates.is_empty() {
        return Ok(0);
    }
    let mut owners: Vec<i64> = candidates.iter().map(|c| c.post_mortem_owner_id).collect();
    owners.dedup();
    let people = state.store.reachable_people(&owners).await?;
    let digests: Vec<Digest> = candidates
        .chunk_by(|a, b| a.post_mortem_owner_id == b.post_mortem_owner_id)
        .filter_map(|group| {
            let person = people.iter().find(|p| p.user_id == group[0].post_mortem_owner_id)?;
            let today = today_in(now, &crate::engine::zone::named(&person.time_zone));
            if today < today_utc && group[0].digest_day_before {
                return None;
            }
            let overdue: Vec<_> = group.iter().filter(|item| item.due_on < today).collect();
            if overdue.is_empty() {
                return None;
            }
            Some(Digest { owner_id: person.user_id, on_date: today, deliveries: notify::digest_deliveries(&overdue, today, person, base_url) })
        })
        .collect();
    state.store.queue_reminders(&[], &digests, now).await
}
