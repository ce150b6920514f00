//! (ssr) iCalendar feeds of on-call shifts, for calendar apps to subscribe to: a schedule's final
//! schedule, or one person's shifts across every schedule they are in. Each shift is one event
//! with a stable UID, so a calendar app updates it in place when the schedule changes.

use crate::engine::on_call::{final_shifts, name_of, names_for};
use crate::errors::AppError;
use crate::state::AppState;
use crate::store::OrInternal;
use crate::store::schedules::FeedOwner;
use chrono::{DateTime, Duration, Utc};
use icalendar::{Calendar, Component, Event, EventLike};

/// How far back and ahead a feed reaches.
pub const FEED_PAST_DAYS: i64 = 7;
pub const FEED_FUTURE_DAYS: i64 = 90;
/// A person's feed covers at most this many of their schedules.
const SCHEDULES_PER_PERSON: i64 = 100;

/// The feed a token hash opens, as iCalendar text; `None` when the token opens nothing.
pub async fn feed(state: &AppState, token_hash: &str, now: DateTime<Utc>) -> Result<Option<String>, AppError> {
    let store = &state.store;
    let Some(owner) = store.calendar_feed_owner(token_hash).await.or_internal()? else {
        return Ok(None);
    };
    let (from, to) = (now - Duration::days(FEED_PAST_DAYS), now + Duration::days(FEED_FUTURE_DAYS));
    let (title, schedules, only_user) = match owner {
        FeedOwner::Schedule(id) => {
            let Some(schedule) = store.schedule(id).await.or_internal()? else { return Ok(None) };
            (format!("On call: {}", schedule.name), vec![schedule], None)
        }
        FeedOwner::User(id) => {
            let Some(user) = store.user_by_id(id).await.or_internal()? else { return Ok(None) };
            if !user.user.active {
                return Ok(None);
            }
            let schedules = store.schedules_of_user(id, SCHEDULES_PER_PERSON).await.or_internal()?;
            (format!("My on-call shifts ({})", user.user.display_name), schedules, Some(id))
        }
    };
    // Shifts are worked out from well before the feed's start, so that one running at its start
    // keeps its real start time (and with it its UID) from one fetch to the next.
    let since = from - Duration::days(FEED_PAST_DAYS * 4);
    let plans = store.schedule_plans(schedules, since, to).await.or_internal()?;
    let shifts: Vec<_> = plans
        .iter()
        .flat_map(|plan| {
            final_shifts(plan, since, to)
                .into_iter()
                .filter(|s| s.end > from && only_user.is_none_or(|u| s.user_id == u))
                .map(move |s| (plan.schedule.id, plan.schedule.name.clone(), s))
        })
        .collect();
    let people = names_for(&state.store, shifts.iter().map(|(_, _, s)| s.user_id)).await.or_internal()?;
    let mut calendar = Calendar::new();
    calendar.name(&crate::domain::text::strip_controls(&title, false));
    for (schedule_id, schedule, shift) in &shifts {
        let person = name_of(&people, shift.user_id);
        calendar.push(
            Event::new()
                .uid(&format!("quell-shift-{schedule_id}-{}-{}", shift.user_id, shift.start.timestamp()))
                .summary(&crate::domain::text::strip_controls(&format!("On call: {schedule} ({person})"), false))
                .starts(shift.start)
                .ends(shift.end)
                .timestamp(now)
                .done(),
        );
    }
    Ok(Some(calendar.done().to_string()))
}
