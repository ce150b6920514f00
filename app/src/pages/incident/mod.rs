//! One incident: header (status, severity, services, roles, key times), the actions the viewer
//! may take, and the timeline. Updates arrive live.
//!
//! Here: the page, its actions and its header. `details` has the status form, the key times and
//! the details form; `roles` the roles and their checklists; `updates` the updates card (composer
//! and recipients); `timeline` the timeline with its notes.

use crate::api::incidents::{
    get_incident, AddNote, AssignRole, ChangeSeverity, ChangeStatus, EditNote, IncidentView, SetChecklistItem, SetPinned, UnassignRole,
    UpdateIncident, UpdateKeyTimes,
};
use crate::api::notifications::{AddIncidentSubscriber, SubscribeToIncident};
use crate::api::updates::PublishUpdate;
use crate::components::layout::RequireUser;
use crate::components::badges::{SeverityBadge, StatusBadge};
use leptos::prelude::*;
use std::sync::Arc;
use crate::components::post_form::FormAction;
use crate::components::title::PageTitle;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

mod details;
mod roles;
mod timeline;
mod updates;

use details::{DetailsForm, KeyTimesCard, StatusForm};
use roles::RolesCard;
use timeline::Timeline;
use updates::UpdatesCard;

/// Every action on the page, created once so that their results survive the page reloading
/// its data.
#[derive(Clone, Copy)]
struct Actions {
    status: FormAction,
    severity: FormAction,
    update: FormAction,
    key_times: FormAction,
    assign: FormAction,
    unassign: FormAction,
    checklist: FormAction,
    note: FormAction,
    edit_note: FormAction,
    pin: FormAction,
    publish: FormAction,
    subscribe: FormAction,
    add_subscriber: FormAction,
    open_page: FormAction,
    acknowledge_page: FormAction,
    start_post_mortem: FormAction,
    add_item: FormAction,
    set_item_status: FormAction,
    /// What is being typed in the new-note form; kept while the page redraws for live updates.
    note_draft: RwSignal<Option<String>>,
    note_time_draft: RwSignal<Option<String>>,
}

impl Actions {
    fn new() -> Actions {
        Actions {
            status: FormAction::new::<ChangeStatus>(),
            severity: FormAction::new::<ChangeSeverity>(),
            update: FormAction::new::<UpdateIncident>(),
            key_times: FormAction::new::<UpdateKeyTimes>(),
            assign: FormAction::new::<AssignRole>(),
            unassign: FormAction::new::<UnassignRole>(),
            checklist: FormAction::new::<SetChecklistItem>(),
            note: FormAction::new::<AddNote>(),
            edit_note: FormAction::new::<EditNote>(),
            pin: FormAction::new::<SetPinned>(),
            publish: FormAction::new::<PublishUpdate>(),
            subscribe: FormAction::new::<SubscribeToIncident>(),
            add_subscriber: FormAction::new::<AddIncidentSubscriber>(),
            open_page: FormAction::new::<crate::api::paging::OpenPage>(),
            acknowledge_page: FormAction::new::<crate::api::paging::AcknowledgePage>(),
            start_post_mortem: FormAction::new::<crate::api::post_mortems::StartPostMortem>(),
            add_item: FormAction::new::<crate::api::action_items::CreateActionItem>(),
            set_item_status: FormAction::new::<crate::api::action_items::SetActionItemStatus>(),
            note_draft: RwSignal::new(None),
            note_time_draft: RwSignal::new(None),
        }
    }

    /// Goes up whenever any action finishes, so the page reloads its data.
    fn versions(&self) -> usize {
        FormAction::versions(&[
            self.status,
            self.severity,
            self.update,
            self.key_times,
            self.assign,
            self.unassign,
            self.checklist,
            self.note,
            self.edit_note,
            self.pin,
            self.publish,
            self.subscribe,
            self.add_subscriber,
            self.open_page,
            self.acknowledge_page,
            self.add_item,
            self.set_item_status,
        ])
    }
}

/// The incident's id in the address (`/incidents/<id>`), if it is a number.
fn route_id(params: &leptos_router::params::ParamsMap) -> Option<i64> {
    params.get("id").and_then(|id| id.parse().ok())
}

#[component]
pub fn IncidentPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(route_id).unwrap_or(0);
    let pinned = move || query.with(|q| q.get("pinned").as_deref() == Some("true"));
    let before = move || query.with(|q| q.get("before").unwrap_or_default());
    let actions = Actions::new();
    // A post-mortem that was started opens.
    crate::components::session::load_page_after(actions.start_post_mortem);
    // A note that was added leaves an empty form behind.
    Effect::new(move |_| {
        if actions.note.succeeded() {
            actions.note_draft.set(None);
            actions.note_time_draft.set(None);
        }
    });
    // A saved note closes its edit form: the address loses its `?edit=`.
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if actions.edit_note.succeeded() {
            let incident_id = params.with_untracked(route_id).unwrap_or(0);
            let address = query.with_untracked(|q| timeline::timeline_address(incident_id, q, None));
            navigate(&address, leptos_router::NavigateOptions { replace: true, ..Default::default() });
        }
    });
    let live = crate::live::use_live_changes(params.with_untracked(route_id));
    let incident = Resource::new(
        move || (id(), pinned(), before(), live.get(), actions.versions()),
        |(id, pinned, before, ..)| get_incident(id, pinned, before),
    );
    // Made here, beside the incident, so that server and browser make it in the same order.
    let pages = Resource::new(move || (id(), live.get(), actions.versions()), |(id, ..)| crate::api::paging::incident_pages(id));
    let post_mortem = crate::pages::post_mortems::incident_post_mortem_resource(id, move || live.get() + actions.versions() as u64);
    let body = crate::components::plain::PageBody::new();
    view! {
        <RequireUser>
            <p><A href="/incidents">"← Incidents"</A></p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading the incident…"</p> }>
                {move || body.show(move || incident.get(), |view_data| view! { <IncidentBody data=view_data actions pages post_mortem /> })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn IncidentBody(
    data: IncidentView,
    actions: Actions,
    pages: crate::pages::paging::PagesResource,
    post_mortem: crate::pages::post_mortems::IncidentPostMortemResource,
) -> impl IntoView {
    let incident = data.summary.incident.clone();
    let title = format!("{} {} · Quell", incident.reference(), incident.title);
    // One copy of what the server sent, shared by the cards (each takes what it shows).
    let data = Arc::new(data);
    let can_respond = data.can_respond;
    view! {
        <PageTitle text=title />
        <IncidentHeader data=data.clone() />
        <div class="incident-grid">
            <div class="incident-main">
                {can_respond.then(|| view! { <StatusForm data=data.clone() actions /> })}
                <UpdatesCard data=data.clone() actions />
                <Timeline data=data.clone() actions />
            </div>
            <aside class="incident-side">
                <RolesCard data=data.clone() actions />
                <crate::pages::paging::PagingCard incident_id=incident.id data=pages open=actions.open_page acknowledge=actions.acknowledge_page />
                <crate::pages::post_mortems::PostMortemCard incident_id=incident.id data=post_mortem start=actions.start_post_mortem
                    add_item=actions.add_item set_status=actions.set_item_status />
                <KeyTimesCard data=data.clone() actions />
                {can_respond.then(|| view! { <DetailsForm data=data.clone() actions /> })}
            </aside>
        </div>
    }
}

#[component]
fn IncidentHeader(data: Arc<IncidentView>) -> impl IntoView {
    let summary = data.summary.clone();
    let incident = summary.incident;
    view! {
        <header class="incident-header">
            <p class="reference">{incident.reference()}</p>
            <h1>{incident.title.clone()}</h1>
            <div class="badges" role="group" aria-label="Status and severity">
                <StatusBadge status=incident.status />
                <SeverityBadge name=incident.severity_name.clone() rank=incident.severity_rank />
                {incident.incident_type_name.clone().map(|t| view! { <span class="badge">{t}</span> })}
                {incident.is_drill.then(|| view! { <span class="badge drill">"Drill"</span> })}
            </div>
            <dl class="facts">
                <div>
                    <dt>"Commander"</dt>
                    <dd>{summary.commander.unwrap_or_else(|| "Nobody".to_string())}</dd>
                </div>
                <div>
                    <dt>"Services"</dt>
                    <dd>{if summary.services.is_empty() { "None".to_string() } else { summary.services.join(", ") }}</dd>
                </div>
                <div>
                    <dt>"Declared"</dt>
                    <dd>{data.declared.clone()}</dd>
                </div>
                {incident.merged_into_id.map(|target| {
                    view! {
                        <div>
                            <dt>"Merged into"</dt>
                            <dd><a href=format!("/incidents/{target}")>{crate::domain::incident::reference(target)}</a></dd>
                        </div>
                    }
                })}
            </dl>
            {(!incident.summary.is_empty()).then(|| view! { <p class="incident-summary">{incident.summary.clone()}</p> })}
        </header>
    }
}
