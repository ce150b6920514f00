//! The public status page (server only): what it shows (`snapshot`), rendered as plain HTML
//! (`html`), an Atom feed and a JSON summary (`feed`). The rendered bodies are kept by
//! `state::status_page_cache`.
//!
//! It needs no sign-in and no WebAssembly, and it reads only through the store's public queries,
//! so internal updates, people's names, drills and private services can't appear on it. It must
//! never read a session or set a cookie.

pub mod feed;
pub mod html;

use crate::domain::status_page::{
    daily_history, uptime_percent, worst, ComponentState, DayHistory, MaintenancePhase, Span, StateChange,
};
use crate::store::status_page::{MaintenanceWindow, PublicIncident, StatusPageSettings};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Duration, Utc};

/// Days of history shown per component.
pub const HISTORY_DAYS: u32 = 90;

/// A component as shown now, with its history.
#[derive(Debug, Clone)]
pub struct ComponentView {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub group: Option<String>,
    /// Its state now, maintenance included.
    pub state: ComponentState,
    pub days: Vec<DayHistory>,
    pub uptime: Option<f64>,
    /// The day it was first shown, when that is inside the history's range: its uptime is
    /// since then, not over the whole range.
    pub since: Option<chrono::NaiveDate>,
}

/// Everything the status page shows, as of `now`.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub settings: StatusPageSettings,
    pub overall: ComponentState,
    pub components: Vec<ComponentView>,
    pub incidents: Vec<PublicIncident>,
    pub maintenance: Vec<(MaintenanceWindow, MaintenancePhase)>,
    pub now: DateTime<Utc>,
    /// The next moment the page changes by itself: a window starting or ending, or the next day
    /// (UTC midnight) when the daily history moves on.
    pub next_change: Option<DateTime<Utc>>,
}

/// Reads what the status page shows (a fixed handful of queries, whatever the number of
/// components).
pub async fn snapshot(store: &Store, now: DateTime<Utc>) -> Result<Snapshot, StoreError> {
    let settings = store.status_page_settings().await?;
    let components = store.public_components().await?;
    let ids: Vec<i64> = components.iter().map(|c| c.id).collect();
    let since = now - Duration::days(i64::from(HISTORY_DAYS));
    let first_day = now.date_naive() - Duration::days(i64::from(HISTORY_DAYS) - 1);
    let changes = store.component_changes_since(&ids, since).await?;
    let windows = store.maintenance_since(since).await?;
    let incidents = store.active_public_incidents().await?;
    let views: Vec<ComponentView> = components
        .into_iter()
        .map(|component| {
            let own: Vec<StateChange> = changes.iter().filter(|(id, _)| *id == component.id).map(|(_, c)| *c).collect();
            let spans: Vec<Span> = windows
                .iter()
                .filter(|w| w.components.iter().any(|(id, _)| *id == component.id))
                .map(|w| Span { start: w.starts_at, end: w.ends_at })
                .collect();
            let in_maintenance = spans.iter().any(|s| s.start <= now && now < s.end);
            let days = daily_history(&own, &spans, component.created_at, HISTORY_DAYS, now);
            let shown_from = component.created_at.date_naive();
            ComponentView {
                uptime: uptime_percent(&days),
                since: (shown_from > first_day).then_some(shown_from),
                state: if in_maintenance { component.state.during_maintenance() } else { component.state },
                id: component.id,
                name: component.name,
                description: component.description,
                group: component.group,
                days,
            }
        })
        .collect();
    let maintenance: Vec<(MaintenanceWindow, MaintenancePhase)> = windows
        .into_iter()
        .map(|w| {
            let phase = MaintenancePhase::of(w.starts_at, w.ends_at, now);
            (w, phase)
        })
        .filter(|(_, phase)| *phase != MaintenancePhase::Completed)
        .collect();
    let next_change = maintenance
        .iter()
        .map(|(w, phase): &(MaintenanceWindow, MaintenancePhase)| if *phase == MaintenancePhase::Upcoming { w.starts_at } else { w.ends_at })
        .chain((now.date_naive() + Duration::days(1)).and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
        .min();
    Ok(Snapshot {
        next_change,
        overall: worst(views.iter().map(|c| c.state)),
        settings,
        components: views,
        incidents,
        maintenance,
        now,
    })
}

/// A time as the public page shows it: "25 Nov 2026, 14:05 UTC".
pub fn public_time(time: DateTime<Utc>) -> String {
    time.format("%-d %b %Y, %H:%M UTC").to_string()
}
