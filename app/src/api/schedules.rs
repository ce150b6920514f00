//! On-call schedules: the list with who is on call now, one schedule (its layers, overrides and
//! the coming days drawn as bars), and the secret calendar feed addresses. Everyone signed in
//! reads; responders and admins change schedules, layers and overrides.

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::api::catalog::CatalogPage;
use crate::domain::catalog::Person;
use crate::domain::schedule::{Schedule, ScheduleLayer};
use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const SCHEDULES_PAGE_SIZE: i64 = 25;
pub const OVERRIDES_PAGE_SIZE: i64 = 20;
/// The days one view of a schedule covers.
pub const VIEW_DAYS: i64 = 14;
/// How many people a layer form offers places for.
pub const PARTICIPANT_FIELDS: usize = 8;

/// A schedule in the list, with who is on call now and the next hand-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleSummary {
    pub schedule: Schedule,
    pub on_call: Vec<Person>,
    /// "Bob from 2026-06-08 09:00 CEST (in 3 days)".
    pub next_handoff: Option<String>,
}

/// The schedules page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchedulesView {
    pub list: CatalogPage<ScheduleSummary>,
    /// The viewer's own shift under way or next, in any schedule.
    pub my_next_shift: Option<String>,
    pub time_zones: Vec<String>,
    pub viewer_zone: String,
    /// Whether the viewer has made a calendar address for their own shifts.
    pub has_personal_feed: bool,
}

/// One person's stretch on a row of the picture, placed in ten-thousandths of the row's width
/// (each day of the view takes an equal share: `domain::schedule_picture::DayColumns`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// The person's whole name.
    pub name: String,
    /// Their initials in this picture, different from everyone else's in it ("AL").
    pub initials: String,
    /// What is written on the stretch: the name where it fits, else the initials where they
    /// fit, else nothing.
    pub text: String,
    pub left: i64,
    pub width: i64,
    /// "Mon 8 Jun 09:00 CEST – Mon 15 Jun 09:00 CEST" in the viewer's zone ("until …" or
    /// "from …" for a shift that runs far past the view).
    pub span: String,
    /// One of `schedule_picture::TINTS` colours, the person's in this schedule.
    pub tint: i64,
    /// Someone else is on call at the same time (an override that adds a person): drawn in the
    /// lower half of the row, over the other.
    pub stacked: bool,
}

/// A row of the schedule's picture: the final schedule or one layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    pub label: String,
    pub segments: Vec<Segment>,
}

/// One day of the picture, in the viewer's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayColumn {
    /// "Mon 8".
    pub label: String,
    /// "8", for a column too narrow for the label.
    pub narrow: String,
    /// "Monday 8 June 2026".
    pub full: String,
    /// Where the day begins along the rows, in ten-thousandths of their width.
    pub left: i64,
    pub today: bool,
}

/// Who one of the picture's initials stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegendEntry {
    pub initials: String,
    pub name: String,
    pub tint: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerView {
    pub layer: ScheduleLayer,
    pub people: Vec<Person>,
    /// "Weekly, handing off at 09:00, from 2026-06-01".
    pub rule: String,
    pub restrictions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideView {
    pub id: i64,
    /// "Bob covers for Ada", "Cy is added".
    pub what: String,
    pub span: String,
}

/// A hand-off in the view's range: when, who comes on call and who hands over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handoff {
    /// The time of day in the viewer's zone: "09:00 CEST".
    pub at: String,
    pub who: String,
    pub initials: String,
    pub tint: i64,
    /// Whoever's shift ends then ("Ada Lovelace", "Ada Lovelace and Cy Young"); none when the
    /// incoming person follows nobody.
    pub from: Option<String>,
}

/// The hand-offs of one day in the viewer's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffDay {
    /// "Today, Monday 8 June", "Tomorrow, Tuesday 9 June", "Wednesday 10 June".
    pub heading: String,
    pub handoffs: Vec<Handoff>,
}

/// One schedule's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleView {
    pub schedule: Schedule,
    pub on_call: Vec<Person>,
    pub layers: Vec<LayerView>,
    pub overrides: CatalogPage<OverrideView>,
    /// The rows of the picture: the final schedule first (after restrictions and overrides),
    /// then each layer from the top, as the layers are listed. The page draws the final row last.
    pub bars: Vec<Bar>,
    /// The days along the rows, one column each, in the viewer's zone.
    pub days: Vec<DayColumn>,
    /// "8 June – 21 June 2026": the days the picture shows.
    pub range: String,
    /// Where now falls along the rows, in ten-thousandths of their width, when the view shows it.
    pub now_at: Option<i64>,
    /// Who the initials on the rows stand for, in turn order.
    pub legend: Vec<LegendEntry>,
    /// The final schedule's hand-offs in the view, grouped by the viewer's day.
    pub handoff_days: Vec<HandoffDay>,
    /// Hand-offs in the view beyond the ones listed (hourly rotations have hundreds).
    pub handoffs_not_listed: i64,
    /// How many days after today the view starts (a multiple of `VIEW_DAYS`).
    pub offset_days: i64,
    pub can_edit: bool,
    /// Active people, for the forms (empty for viewers).
    pub people: Vec<Person>,
    pub time_zones: Vec<String>,
    pub viewer_zone: String,
    /// Now and in an hour, as `datetime-local` values in the viewer's zone (override defaults).
    pub input_now: String,
    pub input_later: String,
    pub has_feed: bool,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::domain::account::User;
    use crate::engine::on_call::{final_shifts, name_of};
    use crate::domain::schedule::{self as rules, Override, OverrideKind, Shift};
    use crate::state::AppState;
    use crate::store::StoreError;
    use chrono::{DateTime, Utc};

    /// A coming hand-off: "Bob from 2026-06-08 09:00 CEST (in 3 days)".
    pub fn describe_start(name: &str, shift: &Shift, viewer: &User, now: DateTime<Utc>) -> String {
        format!("{name} from {} ({})", format(shift.start, viewer), crate::domain::incident::relative_time(shift.start, now))
    }

    /// "You are on call for Primary until …" or "Your next shift: …", over the next 90 days.
    pub async fn next_shift_sentence(state: &AppState, viewer: &User, now: DateTime<Utc>) -> Result<Option<String>, AppError> {
        let horizon = now + chrono::Duration::days(90);
        let mine = state.store.schedules_of_user(viewer.id, 100).await.or_internal()?;
        let plans = state.store.schedule_plans(mine, now, horizon).await.or_internal()?;
        let next = plans
            .iter()
            .filter_map(|plan| rules::next_shift(&final_shifts(plan, now, horizon), viewer.id, now).map(|s| (s, plan.schedule.name.clone())))
            .min_by_key(|(s, _)| s.start);
        Ok(next.map(|(shift, schedule)| {
            if shift.start <= now {
                format!("You are on call for {schedule} until {}.", format(shift.end, viewer))
            } else {
                format!(
                    "Your next shift: {schedule}, from {} to {} ({}).",
                    format(shift.start, viewer),
                    format(shift.end, viewer),
                    crate::domain::incident::relative_time(shift.start, now)
                )
            }
        }))
    }

    /// After a change: a plain form post goes back to the schedule's page (the hydrated page
    /// reloads its data instead).
    pub fn back_to_schedule(schedule_id: i64) -> String {
        crate::api::support::redirect_form_post(&format!("/on-call/schedules/{schedule_id}"))
    }

    /// Maps a store error from a schedule write.
    pub fn write_error(err: StoreError) -> AppError {
        match err {
            StoreError::Unique(name) if name.contains("name") => {
                AppError::conflict(Some("name"), "There is already a schedule with that name.")
            }
            StoreError::Unique(_) | StoreError::ForeignKey(_) => AppError::invalid("", "That refers to a person or schedule that no longer exists."),
            other => crate::api::support::update_error(other, "this schedule"),
        }
    }

    /// The kind of an override and who it covers for, as written in the list.
    pub fn override_sentence(people: &[Person], rule: &Override) -> String {
        let who = name_of(people, rule.user_id);
        match rule.kind {
            OverrideKind::Add => format!("{who} is on call as well"),
            OverrideKind::Cover { covering_for: Some(other) } => format!("{who} covers for {}", name_of(people, other)),
            OverrideKind::Cover { covering_for: None } => format!("{who} covers for whoever is on call"),
        }
    }
}

#[cfg(feature = "ssr")]
#[cfg(feature = "ssr")]
use ssr::*;
#[cfg(feature = "ssr")]
use crate::engine::on_call::{final_shifts, name_of, names_for, persons};

/// The signed-in person's shift under way or next (their profile shows it).
#[server(prefix = "/api", endpoint = "schedules/my-next-shift", output = crate::wire::Json)]
pub async fn my_next_shift() -> Result<Option<String>, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        next_shift_sentence(&state, &viewer, state.now()).await
    })
    .await
}

/// The schedules page: a page of schedules with who is on call now, and the viewer's next shift.
#[server(prefix = "/api", endpoint = "schedules/list", output = crate::wire::Json)]
pub async fn list_schedules(page: i64) -> Result<SchedulesView, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::schedule::on_call_at;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let page = page.max(1);
        let now = state.now();
        let horizon = now + chrono::Duration::days(90);
        let listed = state.store.schedules_page(PageRequest::number(page, SCHEDULES_PAGE_SIZE)).await.or_internal()?;
        let total = listed.total;
        let plans = state.store.schedule_plans(listed.rows, now, horizon).await.or_internal()?;
        let finals: Vec<_> = plans.iter().map(|plan| final_shifts(plan, now, horizon)).collect();
        let people = names_for(&state.store, finals.iter().flatten().map(|s| s.user_id)).await.or_internal()?;
        let marked = crate::api::support::mark_unreachable(&state, people.clone()).await?;
        let rows = plans
            .into_iter()
            .zip(finals)
            .map(|(plan, shifts)| {
                let on_call = persons(&marked, &on_call_at(&shifts, now));
                let next = shifts.iter().filter(|s| s.start > now).min_by_key(|s| s.start);
                ScheduleSummary {
                    next_handoff: next.map(|s| describe_start(&name_of(&people, s.user_id), s, &viewer, now)),
                    schedule: plan.schedule,
                    on_call,
                }
            })
            .collect();
        Ok(SchedulesView {
            list: CatalogPage {
                rows,
                page,
                pages: ((total + SCHEDULES_PAGE_SIZE - 1) / SCHEDULES_PAGE_SIZE).max(1),
                total,
                can_edit: viewer.role.allows(Permission::Respond),
            },
            my_next_shift: next_shift_sentence(&state, &viewer, now).await?,
            // Only people who get the new-schedule form need the ~600 zone names.
            time_zones: if viewer.role.allows(Permission::Respond) { crate::api::support::time_zone_names() } else { Vec::new() },
            viewer_zone: viewer.time_zone.clone(),
            has_personal_feed: state.store.has_calendar_feed(crate::store::schedules::FeedOwner::User(viewer.id)).await.or_internal()?,
        })
    })
    .await
}

#[cfg(feature = "ssr")]
fn schedule_fields(name: &str, description: &str, time_zone: &str, handoff_notice_minutes: &str) -> Result<crate::store::schedules::ScheduleFields, AppError> {
    let notice = handoff_notice_minutes.trim();
    let handoff_notice_minutes = if notice.is_empty() {
        0
    } else {
        notice
            .parse::<i64>()
            .ok()
            .filter(|m| (0..=10080).contains(m))
            .ok_or_else(|| AppError::invalid("handoff_notice_minutes", "Give the notice in whole minutes, from 0 to 10,080 (a week)."))?
    };
    Ok(crate::store::schedules::ScheduleFields {
        name: crate::domain::incident::normalize_name(name)?,
        description: crate::api::catalog::ssr::description(description)?,
        time_zone: crate::api::support::validate_time_zone("time_zone", time_zone)?,
        handoff_notice_minutes,
    })
}

/// Creates a schedule (responders and admins) and goes to its page.
#[server(prefix = "/api", endpoint = "schedules/create", output = crate::wire::Json)]
pub async fn create_schedule(
    name: String,
    #[server(default)] description: String,
    time_zone: String,
    #[server(default)] handoff_notice_minutes: String,
) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let fields = schedule_fields(&name, &description, &time_zone, &handoff_notice_minutes)?;
        let id = state.store.create_schedule(&fields, state.now()).await.map_err(write_error)?;
        tracing::info!(schedule_id = id, user_id = viewer.id, "schedule created");
        Ok(back_to_schedule(id))
    })
    .await
}

/// One schedule's page: `offset_days` moves the picture by whole views; `overrides_page` pages
/// the list of current and coming overrides.
#[server(prefix = "/api", endpoint = "schedules/get", output = crate::wire::Json)]
pub async fn get_schedule(id: i64, #[server(default)] offset_days: i64, #[server(default)] overrides_page: i64) -> Result<ScheduleView, AppError> {
    use CHOICE_LIMIT;
    
    use crate::domain::permissions::Permission;
    use crate::domain::schedule::{on_call_at, upcoming_handoffs, Shift};
    use crate::domain::schedule_picture::{
        day_heading, day_label, distinct_initials, group_by_day, initials, segment_text, tint_of, DayColumns, DAY_MIN_PX,
    };
    use crate::engine::on_call::layer_shifts;
    use crate::store::schedules::FeedOwner;
    use chrono::{DateTime, Datelike, Duration, Utc};
    /// Shifts are worked out this far either side of the view, so one running over its edges
    /// says when it really starts and ends.
    const MARGIN_DAYS: i64 = 35;
    /// The most hand-offs listed under the picture.
    const HANDOFFS_LISTED: usize = 60;
    crate::api::support::respond(server_span!(schedule_id = id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let schedule = state.store.schedule(id).await.or_internal()?.ok_or_else(|| AppError::not_found("That schedule"))?;
        let now = state.now();
        let viewer_zone = zone(&viewer);
        let offset_days = (offset_days / VIEW_DAYS * VIEW_DAYS).clamp(-52 * 7, 52 * 7);
        let today = now.with_timezone(&viewer_zone).date_naive();
        let columns = DayColumns::new(&viewer_zone, today + Duration::days(offset_days), VIEW_DAYS as usize);
        let (from, to) = (columns.from(), columns.to());
        let margin = Duration::days(MARGIN_DAYS);
        let (lo, hi) = (from.checked_sub_signed(margin).unwrap_or(from).min(now), to.checked_add_signed(margin).unwrap_or(to).max(now + Duration::seconds(1)));
        let plan = state.store.schedule_plans(vec![schedule], lo, hi).await.or_internal()?.remove(0);
        let shifts = final_shifts(&plan, lo, hi);
        // Each layer's own shifts, from the top, as the layers card lists them.
        let layer_rows: Vec<(String, Vec<Shift>)> =
            plan.layers.iter().zip(layer_shifts(&plan, lo, hi)).rev().map(|(layer, shifts)| (layer.name.clone(), shifts)).collect();
        let overrides_page = overrides_page.max(1);
        let listed = state
            .store
            .current_overrides(id, now, PageRequest::number(overrides_page, OVERRIDES_PAGE_SIZE))
            .await
            .or_internal()?;
        let mentioned = shifts
            .iter()
            .map(|s| s.user_id)
            .chain(plan.layers.iter().flat_map(|l| l.layer.participants.iter().copied()))
            .chain(listed.rows.iter().flat_map(|o| {
                let covered = match o.rule.kind {
                    crate::domain::schedule::OverrideKind::Cover { covering_for } => covering_for,
                    crate::domain::schedule::OverrideKind::Add => None,
                };
                std::iter::once(o.rule.user_id).chain(covered)
            }));
        let people = names_for(&state.store, mentioned).await.or_internal()?;
        // Lists of names say who can't be reached; the picture keeps names short.
        let marked = crate::api::support::mark_unreachable(&state, people.clone()).await?;
        let span = |start, end| format!("{} – {}", format(start, &viewer), format(end, &viewer));

        // People in the order they take turns, layer by layer from the top, then whoever
        // overrides bring: their place gives their colour, the same week after week.
        let mut order: Vec<i64> = Vec::new();
        let participants = plan.layers.iter().rev().flat_map(|l| l.layer.participants.iter().copied());
        for user_id in participants.chain(shifts.iter().map(|s| s.user_id)) {
            if !order.contains(&user_id) {
                order.push(user_id);
            }
        }
        let in_view = |s: &Shift| s.end > from && s.start < to;
        let rows_in_view = || shifts.iter().chain(layer_rows.iter().flat_map(|(_, row)| row.iter())).filter(|s| in_view(s));
        let shown: Vec<i64> = order.iter().copied().filter(|id| rows_in_view().any(|s| s.user_id == *id)).collect();
        let shown_names: Vec<String> = shown.iter().map(|id| name_of(&people, *id)).collect();
        let shown_initials = distinct_initials(&shown_names.iter().map(String::as_str).collect::<Vec<_>>());
        let initials_of = |user_id: i64| {
            shown.iter().position(|id| *id == user_id).map_or_else(|| initials(&name_of(&people, user_id)), |at| shown_initials[at].clone())
        };
        let legend = shown
            .iter()
            .zip(shown_names.iter().zip(&shown_initials))
            .map(|(id, (name, initials))| LegendEntry { initials: initials.clone(), name: name.clone(), tint: tint_of(&order, *id) })
            .collect();

        let when = |at: DateTime<Utc>| at.with_timezone(&viewer_zone).format("%a %-d %b %H:%M %Z").to_string();
        let shift_span = |s: &Shift| match (s.start <= lo, s.end >= hi) {
            (false, false) => format!("{} – {}", when(s.start), when(s.end)),
            (true, false) => format!("until {}", when(s.end)),
            (false, true) => format!("from {}", when(s.start)),
            (true, true) => "all the time shown".to_string(),
        };
        let track_px = DAY_MIN_PX * VIEW_DAYS;
        let segments = |row: &[Shift]| -> Vec<Segment> {
            let mut drawn: Vec<Segment> = Vec::new();
            let mut ends: Vec<DateTime<Utc>> = Vec::new();
            for s in row.iter().filter(|s| in_view(s)) {
                let Some((left, width)) = columns.place(s.start, s.end) else { continue };
                let name = name_of(&people, s.user_id);
                let initials = initials_of(s.user_id);
                // Rows are sorted by start: someone still on call when this one starts overlaps it.
                let stacked = ends.iter().any(|end| *end > s.start);
                ends.push(s.end);
                drawn.push(Segment {
                    text: segment_text(&name, &initials, width, track_px),
                    span: shift_span(s),
                    tint: tint_of(&order, s.user_id),
                    name,
                    initials,
                    left,
                    width,
                    stacked,
                });
            }
            drawn
        };
        let mut bars = vec![Bar { label: "Final schedule".to_string(), segments: segments(&shifts) }];
        bars.extend(layer_rows.iter().map(|(label, row)| Bar { label: label.clone(), segments: segments(row) }));

        // Hand-offs from the view's first instant (a turn that starts at its midnight is one)
        // to its end, grouped by the viewer's day.
        let starting: Vec<Shift> =
            upcoming_handoffs(&shifts, from - Duration::seconds(1), to).into_iter().filter(|s| s.start < to).collect();
        let handoff = |s: &Shift| {
            let before: Vec<String> = shifts
                .iter()
                .filter(|p| p.end == s.start && p.user_id != s.user_id)
                .map(|p| name_of(&people, p.user_id))
                .collect();
            Handoff {
                at: s.start.with_timezone(&viewer_zone).format("%H:%M %Z").to_string(),
                who: name_of(&people, s.user_id),
                initials: initials_of(s.user_id),
                tint: tint_of(&order, s.user_id),
                from: (!before.is_empty()).then(|| before.join(" and ")),
            }
        };
        let handoff_days = group_by_day(&viewer_zone, starting.iter().take(HANDOFFS_LISTED).map(|s| (s.start, handoff(s))))
            .into_iter()
            .map(|(date, handoffs)| HandoffDay { heading: day_heading(date, today), handoffs })
            .collect();
        let handoffs_not_listed = starting.len().saturating_sub(HANDOFFS_LISTED) as i64;
        let days = columns
            .dates()
            .iter()
            .enumerate()
            .map(|(at, date)| {
                let label = day_label(*date);
                DayColumn { label: label.short, narrow: label.narrow, full: label.full, left: columns.column_left(at), today: *date == today }
            })
            .collect();
        let range = match (columns.dates().first(), columns.dates().last()) {
            (Some(first), Some(last)) if first.year() == last.year() => format!("{} – {}", first.format("%-d %B"), last.format("%-d %B %Y")),
            (Some(first), Some(last)) => format!("{} – {}", first.format("%-d %B %Y"), last.format("%-d %B %Y")),
            _ => String::new(),
        };
        let layers = plan
            .layers
            .iter()
            .rev()
            .map(|l| LayerView {
                people: persons(&marked, &l.layer.participants),
                rule: format!(
                    "Every {}, handing off at {} ({}), from {}",
                    l.layer.shift.label(),
                    l.layer.handoff.format("%H:%M"),
                    plan.schedule.time_zone,
                    l.layer.start_date.format("%Y-%m-%d")
                ),
                restrictions: l.layer.restrictions.iter().map(|r| r.label()).collect(),
                layer: l.clone(),
            })
            .collect();
        let overrides = CatalogPage {
            rows: listed
                .rows
                .iter()
                .map(|o| OverrideView { id: o.id, what: override_sentence(&people, &o.rule), span: span(o.rule.start, o.rule.end) })
                .collect(),
            page: overrides_page,
            pages: ((listed.total + OVERRIDES_PAGE_SIZE - 1) / OVERRIDES_PAGE_SIZE).max(1),
            total: listed.total,
            can_edit: viewer.role.allows(Permission::Respond),
        };
        let can_edit = viewer.role.allows(Permission::Respond);
        let form_people = if can_edit { state.store.list_people(CHOICE_LIMIT).await.or_internal()? } else { Vec::new() };
        Ok(ScheduleView {
            on_call: persons(&marked, &on_call_at(&shifts, now)),
            has_feed: state.store.has_calendar_feed(FeedOwner::Schedule(id)).await.or_internal()?,
            schedule: plan.schedule,
            layers,
            overrides,
            bars,
            days,
            range,
            now_at: columns.now_at(now),
            legend,
            handoff_days,
            handoffs_not_listed,
            offset_days,
            can_edit,
            people: form_people,
            time_zones: if can_edit { crate::api::support::time_zone_names() } else { Vec::new() },
            viewer_zone: viewer.time_zone.clone(),
            input_now: input_value(now, &viewer),
            input_later: input_value(now + Duration::hours(1), &viewer),
        })
    })
    .await
}

/// Changes a schedule's name, description, time zone and hand-off notice.
#[server(prefix = "/api", endpoint = "schedules/update", output = crate::wire::Json)]
pub async fn update_schedule(
    id: i64,
    revision: i64,
    name: String,
    #[server(default)] description: String,
    time_zone: String,
    #[server(default)] handoff_notice_minutes: String,
) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(schedule_id = id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::Respond).await?;
        let fields = schedule_fields(&name, &description, &time_zone, &handoff_notice_minutes)?;
        state.store.update_schedule(id, &fields, revision, state.now()).await.map_err(write_error)?;
        Ok(back_to_schedule(id))
    })
    .await
}

/// Deletes a schedule with its layers and overrides.
#[server(prefix = "/api", endpoint = "schedules/delete", output = crate::wire::Json)]
pub async fn delete_schedule(id: i64, revision: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(schedule_id = id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        state.store.delete_schedule(id, revision, state.now()).await.map_err(|err| match err {
            // The one reference a schedule can't lose: an escalation policy that pages it.
            crate::store::StoreError::ForeignKey(_) => AppError::invalid("", "An escalation policy pages this schedule: change the policy first."),
            other => write_error(other),
        })?;
        tracing::info!(schedule_id = id, user_id = viewer.id, "schedule deleted");
        Ok(crate::api::support::redirect_form_post("/on-call"))
    })
    .await
}

/// Reads a layer form: its name, people in turn order (empty places skipped), shift, hand-off,
/// start date and an optional restriction to some days and hours.
#[cfg(feature = "ssr")]
#[allow(clippy::too_many_arguments)]
async fn layer_fields(
    state: &crate::state::AppState,
    name: &str,
    participants: &[i64],
    shift_count: &str,
    shift_unit: &str,
    handoff_time: &str,
    start_date: &str,
    weekdays: &[String],
    active_from: &str,
    active_to: &str,
) -> Result<crate::store::schedules::LayerFields, AppError> {
    use crate::domain::schedule::{validate_layer, Layer, Restriction, ShiftLength};
    use chrono::{NaiveTime, Weekday};
    let name = crate::domain::incident::normalize_name(name)?;
    let shift = ShiftLength::parse(shift_count, shift_unit)?;
    let time = |field: &'static str, value: &str| {
        NaiveTime::parse_from_str(value.trim(), "%H:%M").map_err(|_| AppError::invalid(field, "Enter a time like 09:00."))
    };
    let handoff = time("handoff_time", handoff_time)?;
    let start_date = crate::domain::dates::parse_date("start_date", start_date, "2026-06-01")?;
    let participants: Vec<i64> = participants.iter().copied().filter(|id| *id > 0).collect();
    let known = state.store.people_by_ids(&participants, true).await.or_internal()?;
    if participants.iter().any(|id| !known.iter().any(|p| p.id == *id)) {
        return Err(AppError::invalid("participants", "Choose active people from the lists."));
    }
    let mut restrictions = Vec::new();
    let days: Vec<Weekday> = weekdays.iter().filter_map(|d| d.trim().parse::<Weekday>().ok()).collect();
    if weekdays.len() != days.len() {
        return Err(AppError::invalid("weekdays", "Choose days from the list."));
    }
    if !days.is_empty() || !active_from.trim().is_empty() || !active_to.trim().is_empty() {
        if days.is_empty() {
            return Err(AppError::invalid("weekdays", "Choose the days on which this layer is active."));
        }
        restrictions.push(Restriction { weekdays: days, start: time("active_from", active_from)?, end: time("active_to", active_to)? });
    }
    let layer = Layer { participants, shift, handoff, start_date, restrictions };
    validate_layer(&layer)?;
    Ok(crate::store::schedules::LayerFields { name, layer })
}

/// Adds a rotation layer on top of a schedule's others (`layer_id` 0), or replaces a layer's
/// name, people and rule.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "schedules/layers/save", output = crate::wire::Json)]
pub async fn save_layer(
    schedule_id: i64,
    #[server(default)] layer_id: i64,
    revision: i64,
    name: String,
    #[server(default)] participants: Vec<i64>,
    shift_count: String,
    shift_unit: String,
    handoff_time: String,
    start_date: String,
    #[server(default)] weekdays: Vec<String>,
    #[server(default)] active_from: String,
    #[server(default)] active_to: String,
) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(schedule_id, layer_id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::Respond).await?;
        let fields = layer_fields(&state, &name, &participants, &shift_count, &shift_unit, &handoff_time, &start_date, &weekdays, &active_from, &active_to).await?;
        if layer_id > 0 {
            state.store.update_layer(schedule_id, layer_id, &fields, revision, state.now()).await.map_err(write_error)?;
        } else {
            state.store.add_layer(schedule_id, &fields, revision, state.now()).await.map_err(write_error)?;
        }
        Ok(back_to_schedule(schedule_id))
    })
    .await
}

#[server(prefix = "/api", endpoint = "schedules/layers/remove", output = crate::wire::Json)]
pub async fn remove_layer(schedule_id: i64, layer_id: i64, revision: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(schedule_id, layer_id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::Respond).await?;
        state.store.remove_layer(schedule_id, layer_id, revision, state.now()).await.map_err(write_error)?;
        Ok(back_to_schedule(schedule_id))
    })
    .await
}

/// Adds an override: `kind` is "cover" (for `covering_for`, or whoever is on call when 0) or
/// "add"; `starts` and `ends` are `datetime-local` values in the viewer's zone.
#[server(prefix = "/api", endpoint = "schedules/overrides/add", output = crate::wire::Json)]
pub async fn add_override(
    schedule_id: i64,
    user_id: i64,
    kind: String,
    #[server(default)] covering_for: i64,
    starts: String,
    ends: String,
) -> Result<String, AppError> {
    
    use crate::domain::permissions::Permission;
    use crate::domain::schedule::{validate_override, Override, OverrideKind};
    crate::api::support::respond(server_span!(schedule_id, user_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        state.store.schedule(schedule_id).await.or_internal()?.ok_or_else(|| AppError::not_found("That schedule"))?;
        let known = state.store.people_by_ids(&[user_id], true).await.or_internal()?;
        if known.is_empty() {
            return Err(AppError::invalid("user_id", "Choose who is on call from the list."));
        }
        let kind = match kind.as_str() {
            "add" => OverrideKind::Add,
            "cover" => OverrideKind::Cover { covering_for: (covering_for > 0).then_some(covering_for) },
            _ => return Err(AppError::invalid("kind", "Choose cover or add.")),
        };
        if covering_for > 0 && (covering_for == user_id || state.store.people_by_ids(&[covering_for], false).await.or_internal()?.is_empty()) {
            return Err(AppError::invalid("covering_for", "Choose someone else to cover for."));
        }
        let start = parse_local("starts", &starts, &viewer)?.ok_or_else(|| AppError::invalid("starts", "Enter when the override starts."))?;
        let end = parse_local("ends", &ends, &viewer)?.ok_or_else(|| AppError::invalid("ends", "Enter when the override ends."))?;
        validate_override(start, end, state.now())?;
        let rule = Override { user_id, start, end, kind };
        let id = state.store.add_override(schedule_id, &rule, viewer.id, state.now()).await.map_err(write_error)?;
        tracing::info!(schedule_id, override_id = id, user_id = viewer.id, "override added");
        Ok(back_to_schedule(schedule_id))
    })
    .await
}

#[server(prefix = "/api", endpoint = "schedules/overrides/remove", output = crate::wire::Json)]
pub async fn remove_override(schedule_id: i64, override_id: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(schedule_id, override_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        state.store.remove_override(schedule_id, override_id).await.map_err(|e| crate::api::support::update_error(e, "that override"))?;
        tracing::info!(schedule_id, override_id, user_id = viewer.id, "override removed");
        Ok(back_to_schedule(schedule_id))
    })
    .await
}

/// Makes a new secret calendar address for a schedule (responders) or for the signed-in person's
/// own shifts (`schedule_id` 0); the previous address stops working. The address is shown once.
#[server(prefix = "/api", endpoint = "calendars/rotate", output = crate::wire::Json)]
pub async fn rotate_calendar_feed(#[server(default)] schedule_id: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::store::schedules::FeedOwner;
    crate::api::support::respond(server_span!(schedule_id), async move {
        let permission = if schedule_id > 0 { Permission::Respond } else { Permission::View };
        let Ctx { viewer, state } = Ctx::require(permission).await?;
        let owner = if schedule_id > 0 { FeedOwner::Schedule(schedule_id) } else { FeedOwner::User(viewer.id) };
        if schedule_id > 0 {
            state.store.schedule(schedule_id).await.or_internal()?.ok_or_else(|| AppError::not_found("That schedule"))?;
        }
        let token = crate::auth::new_secret_token();
        state.store.set_calendar_feed(owner, &crate::auth::token_hash(&token), state.now()).await.or_internal()?;
        Ok(format!("{}/calendars/{token}.ics", crate::api::support::base_url(&state.settings)))
    })
    .await
}
