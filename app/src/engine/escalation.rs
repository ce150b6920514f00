//! (ssr) The escalation engine and the hand-off notifier: what the on-call worker does, with
//! "now" from the injected clock.
//!
//! `take_due_steps` works out every due step of every escalating page (who the level pages,
//! from the schedules' final schedules at that moment), then hands them to the store, which
//! claims each step with a conditional update in the same transaction as its deliveries and
//! timeline event. A step that another instance took first writes nothing here. The whole batch
//! costs a fixed number of queries, whatever its size.
//!
//! `queue_handoff_notices` tells each person of a shift that starts within their schedule's
//! notice time, once (`handoff_notices` remembers). It works out every schedule's coming
//! shifts, so the worker runs it every `HANDOFF_CHECK_EVERY` rather than at each look for steps.

use crate::engine::on_call::final_shifts;
use crate::domain::incident::EventKind;
use crate::domain::paging::{step_outcome, Plan, StepOutcome, Target, ACK_LINK_HOURS};
use crate::domain::schedule::{on_call_at, upcoming_handoffs};
use crate::engine::notify;
use crate::state::AppState;
use crate::store::OrInternal;
use crate::store::incidents::NewEvent;
use crate::domain::catalog::Person;
use crate::errors::AppError;
use crate::store::paging::{Acknowledged, HandoffNotice, NewRecipient, PageRecord, ReachablePerson, TakenStep};
use crate::store::StoreError;
use chrono::{DateTime, Duration, Utc};

/// Pages whose due steps are taken in one batch.
pub const STEP_BATCH: i64 = 1000;
/// Schedules looked at in one batch of hand-off notices.
const SCHEDULE_BATCH: i64 = 200;
/// How often (by the clock) hand-off notices are looked for. Notice times are whole minutes, so
/// a notice goes out at most this late.
pub const HANDOFF_CHECK_EVERY: Duration = Duration::seconds(30);

/// Takes every due step, batch after batch; returns how many this instance took.
pub async fn take_due_steps(state: &AppState, base_url: &str) -> Result<usize, StoreError> {
    let mut taken = 0;
    loop {
        let (batch, full) = take_due_batch(state, base_url).await?;
        taken += batch;
        if !full {
            return Ok(taken);
        }
    }
}

/// Takes one batch of due steps; returns how many this instance took, and whether the batch was
/// full (more may be waiting).
async fn take_due_batch(state: &AppState, base_url: &str) -> Result<(usize, bool), StoreError> {
    let now = state.now();
    let due = state.store.due_pages(now, STEP_BATCH).await?;
    if due.is_empty() {
        return Ok((0, false));
    }
    let full = due.len() as i64 == STEP_BATCH;
    let outcomes: Vec<StepOutcome> = due.iter().map(|page| step_outcome(&page.plan, page.step, now)).collect();

    // Who is on call now on every schedule any of these steps pages (three queries).
    let levels: Vec<&[Target]> = due
        .iter()
        .zip(&outcomes)
        .filter_map(|(page, outcome)| match outcome {
            StepOutcome::Page { level, .. } => Some(page.plan.levels[*level].targets.as_slice()),
            StepOutcome::Exhausted => None,
        })
        .collect();
    let on_call = on_call_on_schedules(state, &levels, now).await?;

    // Everyone paged, with their contact methods and notification rules (two queries).
    let paged: Vec<Vec<i64>> = due
        .iter()
        .zip(&outcomes)
        .map(|(page, outcome)| match outcome {
            StepOutcome::Page { level, .. } => people_of_level(&page.plan.levels[*level].targets, &on_call),
            StepOutcome::Exhausted => Vec::new(),
        })
        .collect();
    let mut everyone: Vec<i64> = paged.iter().flatten().copied().collect();
    everyone.sort_unstable();
    everyone.dedup();
    let people = state.store.reachable_people(&everyone).await?;

    let expires = now + Duration::hours(ACK_LINK_HOURS);
    let steps: Vec<TakenStep> = due
        .iter()
        .zip(outcomes)
        .zip(paged)
        .map(|((page, outcome), paged)| match outcome {
            StepOutcome::Page { level, round, next_at } => {
                let mut recipients = Vec::new();
                let mut deliveries = Vec::new();
                for person in paged.iter().filter_map(|id| people.iter().find(|p| p.user_id == *id)) {
                    let token = crate::auth::new_secret_token();
                    let link = format!("{base_url}/ack/{token}");
                    let mut sent = notify::page_deliveries(page, person, &link, expires, now, base_url);
                    let mut methods: Vec<&str> = sent.iter().map(|d| d.target.as_str()).collect();
                    methods.sort_unstable();
                    methods.dedup();
                    recipients.push(NewRecipient {
                        user_id: person.user_id,
                        methods: methods.len() as i64,
                        token_hash: crate::auth::token_hash(&token),
                        expires_at: expires,
                    });
                    deliveries.append(&mut sent);
                }
                let event = page.incident_id.map(|incident| {
                    (incident, paged_event(page, level, round, &paged, &people, now))
                });
                TakenStep { page_id: page.id, step: page.step, next_step_at: Some(next_at), recipients, deliveries, event }
            }
            StepOutcome::Exhausted => TakenStep {
                page_id: page.id,
                step: page.step,
                next_step_at: None,
                recipients: Vec::new(),
                deliveries: Vec::new(),
                event: page.incident_id.map(|incident| {
                    let body = format!("Nobody acknowledged the page to {}: escalation ended.", page.target_name);
                    (incident, NewEvent::automatic(EventKind::Paged, body, now))
                }),
            },
        })
        .collect();
    let taken = state.store.take_steps(&steps, now).await?;
    if taken.is_empty() {
        return Ok((0, full));
    }
    let mut incidents: Vec<i64> = Vec::new();
    let mut queued = false;
    // `taken` comes sorted.
    for step in steps.iter().filter(|s| taken.binary_search(&s.page_id).is_ok()) {
        queued |= !step.deliveries.is_empty();
        if let Some((incident, _)) = step.event {
            incidents.push(incident);
        }
        tracing::info!(page_id = step.page_id, step = step.step, paged = step.recipients.len(), "page step taken");
    }
    if queued {
        state.deliveries_queued.notify_one();
    }
    incidents.sort_unstable();
    incidents.dedup();
    for incident in incidents {
        state.live.incident_changed(&state.store, incident).await;
    }
    Ok((taken.len(), full))
}

/// Who is on call at `now` on every schedule the `levels` target: (schedule id, people), three
/// queries whatever the number.
async fn on_call_on_schedules(state: &AppState, levels: &[&[Target]], now: DateTime<Utc>) -> Result<Vec<(i64, Vec<i64>)>, StoreError> {
    let mut schedule_ids: Vec<i64> = levels
        .iter()
        .flat_map(|targets| targets.iter())
        .filter_map(|t| match t {
            Target::Schedule(id) => Some(*id),
            Target::User(_) => None,
        })
        .collect();
    schedule_ids.sort_unstable();
    schedule_ids.dedup();
    if schedule_ids.is_empty() {
        return Ok(Vec::new());
    }
    let schedules = state.store.schedules_by_ids(&schedule_ids).await?;
    let until = now + Duration::minutes(1);
    let plans = state.store.schedule_plans(schedules, now, until).await?;
    Ok(plans.iter().map(|plan| (plan.schedule.id, on_call_at(&final_shifts(plan, now, until), now))).collect())
}

/// Whom each plan's first level would page now (people, and whoever is on call on its
/// schedules), for showing before a page is opened; a fixed number of queries for any number
/// of plans.
pub async fn first_level_now(state: &AppState, plans: &[&Plan]) -> Result<Vec<Vec<i64>>, StoreError> {
    let levels: Vec<&[Target]> = plans.iter().map(|plan| plan.levels.first().map(|l| l.targets.as_slice()).unwrap_or(&[])).collect();
    let on_call = on_call_on_schedules(state, &levels, state.now()).await?;
    Ok(levels.iter().map(|targets| people_of_level(targets, &on_call)).collect())
}

/// The people a level pages now: its people, and whoever is on call on its schedules; each
/// once, in the level's order.
fn people_of_level(targets: &[Target], on_call: &[(i64, Vec<i64>)]) -> Vec<i64> {
    let mut people = Vec::new();
    for target in targets {
        let ids: &[i64] = match target {
            Target::User(id) => std::slice::from_ref(id),
            Target::Schedule(id) => on_call.iter().find(|(s, _)| s == id).map(|(_, people)| people.as_slice()).unwrap_or(&[]),
        };
        for id in ids {
            if !people.contains(id) {
                people.push(*id);
            }
        }
    }
    people
}

/// "Paged Ada Lovelace, Grace Hopper (level 2 of Payments on-call, round 2)."
fn paged_event(page: &PageRecord, level: usize, round: i64, paged: &[i64], people: &[ReachablePerson], now: DateTime<Utc>) -> NewEvent {
    let names: Vec<String> = paged
        .iter()
        .filter_map(|id| people.iter().find(|p| p.user_id == *id))
        .map(|p| if p.methods.is_empty() { format!("{} (no contact methods)", p.name) } else { p.name.clone() })
        .collect();
    let place = if page.plan.levels.len() > 1 || round > 0 {
        let mut place = format!(" (level {} of {}", level + 1, page.target_name);
        if round > 0 {
            place.push_str(&format!(", round {}", round + 1));
        }
        place.push(')');
        place
    } else {
        String::new()
    };
    let body = if names.is_empty() {
        format!("Nobody to page at level {} of {}: nobody is on call there.", level + 1, page.target_name)
    } else {
        format!("Paged {}{place}.", names.join(", "))
    };
    NewEvent::automatic(EventKind::Paged, body, now)
}

/// Queues a notice for every shift that starts within its schedule's notice time and was not
/// announced yet; returns how many.
pub async fn queue_handoff_notices(state: &AppState, base_url: &str) -> Result<usize, StoreError> {
    let now = state.now();
    let mut after = 0;
    let mut queued = 0;
    loop {
        let schedules = state.store.schedules_with_handoff_notices(after, SCHEDULE_BATCH).await?;
        let Some(last) = schedules.last() else { break };
        after = last.id;
        let full = schedules.len() as i64 == SCHEDULE_BATCH;
        let horizon = now + Duration::minutes(schedules.iter().map(|s| s.handoff_notice_minutes).max().unwrap_or(0));
        let plans = state.store.schedule_plans(schedules, now, horizon).await?;
        let coming: Vec<(usize, crate::domain::schedule::Shift)> = plans
            .iter()
            .enumerate()
            .flat_map(|(n, plan)| {
                let until = now + Duration::minutes(plan.schedule.handoff_notice_minutes);
                let shifts = final_shifts(plan, now, until + Duration::seconds(1));
                upcoming_handoffs(&shifts, now, until).into_iter().map(move |s| (n, s))
            })
            .collect();
        if !coming.is_empty() {
            let mut ids: Vec<i64> = coming.iter().map(|(_, s)| s.user_id).collect();
            ids.sort_unstable();
            ids.dedup();
            let people = state.store.reachable_people(&ids).await?;
            let notices: Vec<HandoffNotice> = coming
                .iter()
                .filter_map(|(n, shift)| {
                    let person = people.iter().find(|p| p.user_id == shift.user_id)?;
                    let schedule = &plans[*n].schedule;
                    Some(HandoffNotice {
                        schedule_id: schedule.id,
                        user_id: shift.user_id,
                        shift_start: shift.start,
                        deliveries: notify::handoff_deliveries(schedule, shift, person, now, base_url),
                    })
                })
                .collect();
            let fresh = state.store.queue_handoff_notices(&notices, now).await?;
            if fresh > 0 {
                tracing::info!(notices = fresh, "hand-off notices queued");
                state.deliveries_queued.notify_one();
            }
            queued += fresh;
        }
        if !full {
            break;
        }
    }
    Ok(queued)
}

/// Acknowledges `page` for a person (`via`: how, for the timeline, such as " through the link
/// in their page"); announces the change to the incident's open pages.
pub async fn acknowledge(state: &AppState, page: &PageRecord, person: &Person, via: &str) -> Result<Acknowledged, AppError> {
    let now = state.now();
    let taken = crate::domain::incident::format_duration(now - page.created_at);
    let body = format!("{} acknowledged the page to {}{via}, after {taken}.", person.name, page.target_name);
    let event = NewEvent::automatic(EventKind::PageAcknowledged, body, now);
    let outcome = state.store.acknowledge_page(page.id, person.id, &event, now).await.or_internal()?;
    if let (Acknowledged::Now(_), Some(incident)) = (&outcome, page.incident_id) {
        tracing::info!(page_id = page.id, user_id = person.id, "page acknowledged");
        state.live.incident_changed(&state.store, incident).await;
    }
    Ok(outcome)
}

/// The page a one-time link opens and the (still active) person it was sent to, while the link
/// is unused and unexpired.
pub async fn page_of_link(state: &AppState, token: &str) -> Result<Option<(PageRecord, Person)>, AppError> {
    let found = state.store.page_link(&crate::auth::token_hash(token), state.now()).await.or_internal()?;
    let Some((page, user_id)) = found else { return Ok(None) };
    let person = state.store.people_by_ids(&[user_id], true).await.or_internal()?.pop();
    Ok(person.map(|person| (page, person)))
}

/// Uses a one-time link: acknowledges its page for the person it was sent to. `None` when the
/// link opens nothing (unknown, used, expired, or its person deactivated).
pub async fn acknowledge_by_link(state: &AppState, token: &str) -> Result<Option<(Acknowledged, Person)>, AppError> {
    let Some((page, person)) = page_of_link(state, token).await? else { return Ok(None) };
    if !state.store.use_page_link(&crate::auth::token_hash(token), state.now()).await.or_internal()? {
        return Ok(None);
    }
    let outcome = acknowledge(state, &page, &person, " through the link in their page").await?;
    Ok(Some((outcome, person)))
}
