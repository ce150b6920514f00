//! What every server function shares (server only): who is asking and what they may do
//! (`Ctx`), the request's tracing span (`server_span!`), answering with the error's HTTP status
//! (`respond`), store errors turned into what a person reads (`OrInternal`, `update_error`), and
//! the small readers and formatters several areas use (times in the viewer's zone, chosen
//! components, an incident or 404).
//!
//! Helpers used by two api files live here, never in one of the area files.

use crate::domain::account::User;
use crate::domain::permissions::Permission;
use crate::errors::AppError;
use crate::state::AppState;
pub(crate) use crate::store::incidents::NewEvent;
use crate::store::StoreError;
use chrono::{DateTime, TimeZone, Utc};
use http::request::Parts;
use http::StatusCode;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use tracing::Instrument;

pub(crate) use crate::store::{OrInternal, Refusal};
pub(crate) use crate::store::{Page, PageRequest};

/// Who is asking, what they may do, and the application state: the start of every server
/// function that needs a signed-in person.
pub(crate) struct Ctx {
    pub viewer: User,
    pub state: AppState,
}

impl Ctx {
    /// The signed-in person if they may do `permission` (401 when signed out, 403 when not
    /// allowed), with the state. Records the person on the request's span, refused or not.
    pub(crate) async fn require(permission: Permission) -> Result<Ctx, AppError> {
        let viewer = crate::auth::current_user().await?.ok_or(AppError::Unauthenticated)?;
        tracing::Span::current().record("viewer_id", viewer.id);
        if !viewer.role.allows(permission) {
            return Err(AppError::Forbidden);
        }
        let state = crate::auth::app_state()?;
        Ok(Ctx { viewer, state })
    }

    /// The state alone, for the few server functions open to anyone (sign-in, setup, session
    /// info, the theme).
    pub(crate) fn anonymous() -> Result<AppState, AppError> {
        crate::auth::app_state()
    }
}

/// The span a server function runs in: the request's path, the person (recorded by
/// `Ctx::require`) and the fields given, which name what the function touches
/// (`server_span!(incident_id = incident_id)`). Errors logged inside carry them.
macro_rules! server_span {
    ($($field:tt)*) => {
        tracing::info_span!(
            "server_fn",
            path = %$crate::api::support::request_path(),
            viewer_id = tracing::field::Empty,
            $($field)*
        )
    };
}
pub(crate) use server_span;

/// The path of the request being answered (empty outside a request).
pub(crate) fn request_path() -> String {
    use_context::<Parts>().map(|parts| parts.uri.path().to_string()).unwrap_or_default()
}


/// The same, for a `map_err` arm that has handled the errors it expects.
pub(crate) fn internal(err: StoreError) -> AppError {
    err.into_internal()
}

/// Awaits a server function body in its span and, when it fails, gives the response the error's HTTP
/// status. Plain HTML form posts are left alone: they are answered with a redirect back to the
/// form, which shows the error beside the field.
pub(crate) async fn respond<T>(span: tracing::Span, body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.instrument(span).await;
    if let Err(err) = &result {
        if let (Some(parts), Some(response)) = (use_context::<Parts>(), use_context::<ResponseOptions>()) {
            if !is_html_form_post(&parts) {
                response.set_status(StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
            }
        }
    }
    result
}

/// Whether the request is a plain HTML form submission (no JavaScript), which Leptos answers
/// with a redirect back to the page.
pub(crate) fn is_html_form_post(parts: &Parts) -> bool {
    parts
        .headers
        .get(http::header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Sends a plain HTML form post on to `target` with a 302 and returns `target`. Calls made by
/// the hydrated page get no redirect: the page loads `target` itself (see
/// `components::session::load_page`), so that everything is rendered afresh for the new
/// session.
pub(crate) fn redirect_form_post(target: &str) -> String {
    // A target that can't be a header value (never expected: targets are Quell's own paths or
    // checked ones) goes home instead of failing the request.
    let target = if http::HeaderValue::from_str(target).is_ok() { target } else { "/" };
    if use_context::<Parts>().is_some_and(|parts| is_html_form_post(&parts)) {
        leptos_axum::redirect(target);
    }
    target.to_string()
}

/// Maps a store error from an update guarded by a revision to what a person should read.
pub(crate) fn update_error(err: StoreError, what: &str) -> AppError {
    match err {
        StoreError::Stale => AppError::conflict(
            None,
            format!("Someone else changed {what} while you were editing. Reload to see the latest version."),
        ),
        StoreError::NotFound => AppError::not_found(what.to_string()),
        other => other.into_internal(),
    }
}

/// The address Quell is reached at, for links in notifications: `QUELL_PUBLIC_URL`, else the
/// listen address (from the settings, never from the request's `Host`).
pub(crate) fn base_url(settings: &crate::state::Settings) -> String {
    settings.base_url.trim_end_matches('/').to_string()
}

/// Checks that a time zone is a known IANA name.
pub(crate) fn validate_time_zone(field: &str, zone: &str) -> Result<String, AppError> {
    let zone = zone.trim();
    zone.parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_string())
        .map_err(|_| AppError::invalid(field, "Choose a time zone from the list."))
}

/// Every IANA time zone name, for the profile and setup forms.
pub(crate) fn time_zone_names() -> Vec<String> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name().to_string()).collect()
}

/// The format of `<input type="datetime-local">`.
pub(crate) const INPUT_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// The viewer's time zone.
pub(crate) fn zone(user: &User) -> chrono_tz::Tz {
    crate::engine::zone::named(&user.time_zone)
}

/// A time as the value of a `datetime-local` input in the viewer's zone.
pub(crate) fn input_value(time: DateTime<Utc>, user: &User) -> String {
    time.with_timezone(&zone(user)).format(INPUT_FORMAT).to_string()
}

/// Reads a `datetime-local` value in the viewer's zone. Empty gives `None`.
pub(crate) fn parse_local(field: &str, value: &str, user: &User) -> Result<Option<DateTime<Utc>>, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let naive = crate::domain::dates::parse_local_input(value)
        .ok_or_else(|| AppError::invalid(field, "Enter a date and time like 2026-05-04 14:30."))?
        .map_err(|err| AppError::invalid(field, err.message))?;
    // In a DST gap there is no such local time; in an overlap, take the earlier one.
    zone(user)
        .from_local_datetime(&naive)
        .earliest()
        .map(|time| Some(time.with_timezone(&Utc)))
        .ok_or_else(|| AppError::invalid(field, "That time doesn't exist in your time zone (clocks changed)."))
}

/// The incident, or 404.
pub(crate) async fn incident_or_404(state: &AppState, id: i64) -> Result<crate::domain::incident::Incident, AppError> {
    state.store.incident(id).await.or_internal()?.ok_or_else(|| AppError::not_found("That incident"))
}

/// The incident with its services and roles, or 404.
pub(crate) async fn detail_or_404(state: &AppState, id: i64) -> Result<crate::store::incidents::IncidentDetail, AppError> {
    state.store.incident_detail(id).await.or_internal()?.ok_or_else(|| AppError::not_found("That incident"))
}

/// Public services (status-page components) chosen in a form, checked to exist and be public.
pub(crate) async fn chosen_components(state: &AppState, ids: &[i64], field: &str, message: &str) -> Result<(), AppError> {
    let services = state.store.services_by_ids(ids).await.or_internal()?;
    if services.len() != ids.len() || services.iter().any(|s| !s.public) {
        return Err(AppError::invalid(field, message));
    }
    Ok(())
}

/// A time in the viewer's zone, as pages show it.
pub(crate) fn format(time: DateTime<Utc>, user: &User) -> String {
    crate::engine::zone::format_in_zone(time, &user.time_zone)
}

/// How many people or services a drop-down offers at most.
pub(crate) const CHOICE_LIMIT: i64 = 500;

/// Today's date in the viewer's time zone.
pub(crate) fn today(state: &AppState, user: &User) -> chrono::NaiveDate {
    crate::domain::action_item::today_in(state.now(), &zone(user))
}

/// Active people who can respond (and so own or review things), in name order.
pub(crate) async fn responders(state: &AppState) -> Result<Vec<(i64, String)>, AppError> {
    Ok(state.choices(CHOICE_LIMIT).await.or_internal()?.responders.iter().map(|p| (p.id, p.name.clone())).collect())
}

/// Checks that `id` is an active admin or responder (viewers can't own or review work).
pub(crate) async fn check_person(state: &AppState, id: i64, field: &str) -> Result<(), AppError> {
    let found = state.store.user_by_id(id).await.or_internal()?;
    match found {
        Some(record) if record.user.active && record.user.role.allows(crate::domain::permissions::Permission::Respond) => Ok(()),
        _ => Err(AppError::invalid(field, "Choose someone from the list: an active admin or responder.")),
    }
}

/// Tells the incident's live pages that something of it changed.
pub(crate) async fn changed(state: &AppState, incident_id: i64) {
    state.live.incident_changed(&state.store, incident_id).await;
}

/// Who each plan's first level would page now, by name and marked when unreachable (a fixed
/// number of queries for any number of plans).
pub(crate) async fn first_level_names(state: &AppState, plans: &[&crate::domain::paging::Plan]) -> Result<Vec<Vec<String>>, AppError> {
    let levels = crate::engine::escalation::first_level_now(state, plans).await.or_internal()?;
    let mut everyone: Vec<i64> = levels.iter().flatten().copied().collect();
    everyone.sort_unstable();
    everyone.dedup();
    let found = state.store.people_by_ids(&everyone, true).await.or_internal()?;
    let named = mark_unreachable(state, found).await?;
    Ok(levels
        .iter()
        .map(|people| people.iter().filter_map(|id| named.iter().find(|p| p.id == *id).map(|p| p.name.clone())).collect())
        .collect())
}

/// `people` with the names of those who have no contact method marked (one query).
pub(crate) async fn mark_unreachable(state: &AppState, mut people: Vec<crate::domain::catalog::Person>) -> Result<Vec<crate::domain::catalog::Person>, AppError> {
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let unreachable = state.store.without_contact_methods(&ids).await.or_internal()?;
    for person in people.iter_mut().filter(|p| unreachable.contains(&p.id)) {
        person.name = crate::domain::contact::unreachable_name(&person.name);
    }
    Ok(people)
}
