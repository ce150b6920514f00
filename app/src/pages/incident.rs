//! One incident: header (status, severity, services, roles, key times), the actions the viewer
//! may take, and the timeline. Updates arrive live.

use crate::api::incidents::{
    get_incident, get_note_history, AddNote, AssignRole, ChangeStatus, EditNote, EventView, IncidentView, RoleView,
    SetChecklistItem, SetPinned, UnassignRole, UpdateIncident, UpdateKeyTimes,
};
use crate::api::notifications::{AddIncidentSubscriber, IncidentRecipients, SubscribeToIncident};
use crate::api::updates::{PublishUpdate, UpdatesPanel};
use crate::components::errors::AppErrorView;
use crate::components::form::{action_error, CheckboxField, Field, FieldMessage, FormError, MultiCheck, SelectField, SubmitButton, TextArea};
use crate::components::layout::RequireUser;
use crate::domain::incident::{KeyTime, Status};
use crate::errors::AppError;
use crate::components::badges::{SeverityBadge, StatusBadge};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Every action on the page, created once so that their results survive the page reloading
/// its data.
#[derive(Clone, Copy)]
struct Actions {
    status: ServerAction<ChangeStatus>,
    update: ServerAction<UpdateIncident>,
    key_times: ServerAction<UpdateKeyTimes>,
    assign: ServerAction<AssignRole>,
    unassign: ServerAction<UnassignRole>,
    checklist: ServerAction<SetChecklistItem>,
    note: ServerAction<AddNote>,
    edit_note: ServerAction<EditNote>,
    pin: ServerAction<SetPinned>,
    publish: ServerAction<PublishUpdate>,
    subscribe: ServerAction<SubscribeToIncident>,
    add_subscriber: ServerAction<AddIncidentSubscriber>,
    open_page: ServerAction<crate::api::paging::OpenPage>,
    acknowledge_page: ServerAction<crate::api::paging::AcknowledgePage>,
    /// What is being typed in the new-note form; kept while the page redraws for live updates.
    start_post_mortem: ServerAction<crate::api::post_mortems::StartPostMortem>,
    add_item: ServerAction<crate::api::action_items::CreateActionItem>,
    set_item_status: ServerAction<crate::api::action_items::SetActionItemStatus>,
    note_draft: RwSignal<Option<String>>,
    note_time_draft: RwSignal<Option<String>>,
}

impl Actions {
    fn new() -> Actions {
        Actions {
            status: ServerAction::new(),
            update: ServerAction::new(),
            key_times: ServerAction::new(),
            assign: ServerAction::new(),
            unassign: ServerAction::new(),
            checklist: ServerAction::new(),
            note: ServerAction::new(),
            edit_note: ServerAction::new(),
            pin: ServerAction::new(),
            publish: ServerAction::new(),
            subscribe: ServerAction::new(),
            add_subscriber: ServerAction::new(),
            open_page: ServerAction::new(),
            acknowledge_page: ServerAction::new(),
            start_post_mortem: ServerAction::new(),
            add_item: ServerAction::new(),
            set_item_status: ServerAction::new(),
            note_draft: RwSignal::new(None),
            note_time_draft: RwSignal::new(None),
        }
    }

    /// Goes up whenever any action finishes, so the page reloads its data.
    fn versions(&self) -> usize {
        self.status.version().get()
            + self.update.version().get()
            + self.key_times.version().get()
            + self.assign.version().get()
            + self.unassign.version().get()
            + self.checklist.version().get()
            + self.note.version().get()
            + self.edit_note.version().get()
            + self.pin.version().get()
            + self.publish.version().get()
            + self.subscribe.version().get()
            + self.add_subscriber.version().get()
            + self.open_page.version().get()
            + self.acknowledge_page.version().get()
            + self.add_item.version().get()
            + self.set_item_status.version().get()
    }
}

#[component]
pub fn IncidentPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0));
    let pinned = move || query.with(|q| q.get("pinned").as_deref() == Some("true"));
    let before = move || query.with(|q| q.get("before").unwrap_or_default());
    let actions = Actions::new();
    // A post-mortem that was started opens.
    crate::components::session::load_page_after(actions.start_post_mortem);
    // A note that was added leaves an empty form behind.
    Effect::new(move |_| {
        if let Some(Ok(())) = actions.note.value().get() {
            actions.note_draft.set(None);
            actions.note_time_draft.set(None);
        }
    });
    let live = crate::live::use_live_changes(params.with_untracked(|p| p.get("id").and_then(|id| id.parse().ok())));
    let incident = Resource::new(
        move || (id(), pinned(), before(), live.get(), actions.versions()),
        |(id, pinned, before, ..)| get_incident(id, pinned, before),
    );
    // Made here, beside the incident, so that server and browser make it in the same order.
    let pages = Resource::new(move || (id(), live.get(), actions.versions()), |(id, ..)| crate::api::paging::incident_pages(id));
    let post_mortem = crate::pages::post_mortems::incident_post_mortem_resource(id, move || live.get() + actions.versions() as u64);
    view! {
        <RequireUser>
            <p><A href="/incidents">"← Incidents"</A></p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading the incident…"</p> }>
                {move || {
                    incident
                        .get()
                        .map(|loaded| match loaded {
                            Ok(view_data) => view! { <IncidentBody data=view_data actions pages post_mortem /> }.into_any(),
                            Err(error) => view! { <AppErrorView error /> }.into_any(),
                        })
                }}
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
    let data = StoredValue::new(data);
    let can_respond = data.with_value(|d| d.can_respond);
    view! {
        <Title text=title />
        <IncidentHeader data=data.get_value() />
        <div class="incident-grid">
            <div class="incident-main">
                {can_respond.then(|| view! { <StatusForm data=data.get_value() actions /> })}
                <UpdatesCard data=data.get_value() actions />
                <Timeline data=data.get_value() actions />
            </div>
            <aside class="incident-side">
                <RolesCard data=data.get_value() actions />
                <crate::pages::paging::PagingCard incident_id=incident.id data=pages open=actions.open_page acknowledge=actions.acknowledge_page />
                <crate::pages::post_mortems::PostMortemCard incident_id=incident.id data=post_mortem start=actions.start_post_mortem
                    add_item=actions.add_item set_status=actions.set_item_status />
                <KeyTimesCard data=data.get_value() actions />
                {can_respond.then(|| view! { <DetailsForm data=data.get_value() actions /> })}
            </aside>
        </div>
    }
}

#[component]
fn IncidentHeader(data: IncidentView) -> impl IntoView {
    let summary = data.summary;
    let incident = summary.incident;
    view! {
        <header class="incident-header">
            <p class="reference">{incident.reference()}</p>
            <h1>{incident.title.clone()}</h1>
            <div class="badges" aria-label="Status and severity">
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
                    <dd>{data.declared}</dd>
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

#[component]
fn StatusForm(data: IncidentView, actions: Actions) -> impl IntoView {
    let error = action_error(actions.status);
    let incident = data.summary.incident;
    let next = data.next_statuses;
    if next.is_empty() {
        return view! { <p class="muted">"This incident has ended; its status can't change."</p> }.into_any();
    }
    let can_merge = next.contains(&Status::Merged);
    let options: Vec<(String, String)> = next.iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect();
    let selected = next.iter().find(|s| !matches!(s, Status::Declined | Status::Merged | Status::Triage)).copied().unwrap_or(next[0]);
    view! {
        <section class="card" aria-labelledby="status-title">
            <h2 id="status-title">"Status"</h2>
            <ActionForm action=actions.status attr:class="inline-fields">
                <FormError error fields=&["status", "merge_into"] />
                <input type="hidden" name="incident_id" value=incident.id />
                <input type="hidden" name="revision" value=incident.revision />
                <SelectField label="New status" name="status" error options selected=selected.as_str().to_string() />
                {can_merge.then(|| view! {
                    <Field label="Merge into (only when merging)" name="merge_into" error required=false hint="The incident that carries on, like INC-12." />
                })}
                <SubmitButton label="Change status" pending_label="Changing…" pending=actions.status.pending().into() />
            </ActionForm>
        </section>
    }
    .into_any()
}

#[component]
fn RolesCard(data: IncidentView, actions: Actions) -> impl IntoView {
    let assign_error = Signal::derive(move || {
        action_error(actions.assign).get().or_else(|| action_error(actions.unassign).get()).or_else(|| action_error(actions.checklist).get())
    });
    let incident_id = data.summary.incident.id;
    let editable = data.can_respond && !data.summary.incident.status.is_final();
    let people = data.people;
    view! {
        <section class="card" aria-labelledby="roles-title">
            <h2 id="roles-title">"Roles"</h2>
            <Show when=move || assign_error.get().is_some()>
                <div class="form-error" role="alert">{move || assign_error.get().map(|e: AppError| e.to_string())}</div>
            </Show>
            <ul class="roles">
                {data
                    .roles
                    .into_iter()
                    .map(|role| view! { <RoleItem role incident_id editable people=people.clone() actions /> })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn RoleItem(role: RoleView, incident_id: i64, editable: bool, people: Vec<crate::domain::catalog::Person>, actions: Actions) -> impl IntoView {
    let RoleView { role_type, holder, checklist } = role;
    let select_id = format!("role-{}-person", role_type.id);
    let name = role_type.name.clone();
    let holder_id = holder.as_ref().map(|h| h.id).unwrap_or(0);
    let verb = if holder.is_some() { "Reassign" } else { "Assign" };
    let ticked = checklist.iter().filter(|(_, t)| *t).count();
    let total = checklist.len();
    view! {
        <li class="role">
            <div class="role-head">
                <span class="role-name">{role_type.name.clone()}</span>
                <span class="role-holder">{holder.as_ref().map(|h| h.name.clone()).unwrap_or_else(|| "Unassigned".to_string())}</span>
            </div>
            {editable.then(|| {
                let can_remove = holder.is_some() && !role_type.is_commander;
                let name = name.clone();
                let remove_name = name.clone();
                view! {
                    <ActionForm action=actions.assign attr:class="inline-form">
                        <input type="hidden" name="incident_id" value=incident_id />
                        <input type="hidden" name="role_type_id" value=role_type.id />
                        <input type="hidden" name="current_holder" value=holder_id />
                        <label class="visually-hidden" for=select_id.clone()>{format!("Person for {name}")}</label>
                        <select id=select_id name="user_id">
                            {people
                                .iter()
                                .map(|p| view! { <option value=p.id selected=p.id == holder_id>{p.name.clone()}</option> })
                                .collect_view()}
                        </select>
                        <button type="submit" class="button small">
                            {verb} <span class="visually-hidden">{format!(" {name}")}</span>
                        </button>
                    </ActionForm>
                    {can_remove.then(|| view! {
                        <ActionForm action=actions.unassign attr:class="inline-form">
                            <input type="hidden" name="incident_id" value=incident_id />
                            <input type="hidden" name="role_type_id" value=role_type.id />
                            <input type="hidden" name="current_holder" value=holder_id />
                            <button type="submit" class="button small link">
                                "Remove" <span class="visually-hidden">{format!(" from {remove_name}")}</span>
                            </button>
                        </ActionForm>
                    })}
                }
            })}
            {(total > 0).then(|| view! {
                <details class="checklist">
                    <summary>{format!("{} checklist ({ticked} of {total} done)", role_type.name)}</summary>
                    <ul>
                        {checklist
                            .into_iter()
                            .map(|(item, done)| {
                                view! {
                                    <li>
                                        <ActionForm action=actions.checklist attr:class="inline-form">
                                            <input type="hidden" name="incident_id" value=incident_id />
                                            <input type="hidden" name="role_type_id" value=role_type.id />
                                            <input type="hidden" name="item" value=item.clone() />
                                            {(!done).then(|| view! { <input type="hidden" name="ticked" value="true" /> })}
                                            <button type="submit" class="check-item" aria-pressed=done.to_string() disabled=!editable>
                                                <span aria-hidden="true">{if done { "☑ " } else { "☐ " }}</span>
                                                {item.clone()}
                                            </button>
                                        </ActionForm>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </details>
            })}
        </li>
    }
}

#[component]
fn KeyTimesCard(data: IncidentView, actions: Actions) -> impl IntoView {
    let error = action_error(actions.key_times);
    let incident = data.summary.incident;
    let key_times = data.key_times;
    let inputs = key_times.clone();
    view! {
        <section class="card" aria-labelledby="times-title">
            <h2 id="times-title">"Key times"</h2>
            <dl class="key-times">
                {key_times
                    .into_iter()
                    .map(|t| view! {
                        <div>
                            <dt>{t.which.label()}</dt>
                            <dd>{t.shown.unwrap_or_else(|| "—".to_string())}</dd>
                        </div>
                    })
                    .collect_view()}
            </dl>
            {(!data.durations.is_empty()).then(|| view! {
                <dl class="durations">
                    {data.durations.into_iter().map(|(label, value)| view! { <div><dt>{label}</dt><dd>{value}</dd></div> }).collect_view()}
                </dl>
            })}
            {data.can_edit_key_times.then(|| view! {
                <details class="edit-times">
                    <summary>"Correct key times"</summary>
                    <ActionForm action=actions.key_times attr:class="stack-form">
                        <FormError error fields=&["started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at", "closed_at"] />
                        <input type="hidden" name="incident_id" value=incident.id />
                        <input type="hidden" name="revision" value=incident.revision />
                        {inputs
                            .into_iter()
                            .map(|t| {
                                let required = matches!(t.which, KeyTime::Started | KeyTime::Detected);
                                view! { <Field label=t.which.label() name=t.which.field() kind="datetime-local" value=t.input error required /> }
                            })
                            .collect_view()}
                        <SubmitButton label="Save key times" pending_label="Saving…" pending=actions.key_times.pending().into() />
                    </ActionForm>
                </details>
            })}
        </section>
    }
}

#[component]
fn DetailsForm(data: IncidentView, actions: Actions) -> impl IntoView {
    let error = action_error(actions.update);
    let incident = data.summary.incident;
    let severity_options: Vec<(String, String)> = data.severities.iter().map(|s| (s.id.to_string(), s.name.clone())).collect();
    let mut type_options = vec![("0".to_string(), "No type".to_string())];
    type_options.extend(
        data.incident_types
            .iter()
            .filter(|t| !t.retired || Some(t.id) == incident.incident_type_id)
            .map(|t| (t.id.to_string(), t.name.clone())),
    );
    view! {
        <section class="card" aria-labelledby="details-title">
            <details>
                <summary id="details-title">"Edit details"</summary>
                <ActionForm action=actions.update attr:class="stack-form">
                    <FormError error fields=&["title", "severity_id", "incident_type_id", "service_ids", "summary"] />
                    <input type="hidden" name="incident_id" value=incident.id />
                    <input type="hidden" name="revision" value=incident.revision />
                    <Field label="Title" name="title" value=incident.title.clone() error id_prefix="edit" />
                    <SelectField label="Severity" name="severity_id" error options=severity_options selected=incident.severity_id.to_string() id_prefix="edit" />
                    <SelectField
                        label="Type"
                        name="incident_type_id"
                        error
                        options=type_options
                        selected=incident.incident_type_id.unwrap_or(0).to_string()
                        id_prefix="edit"
                    />
                    <MultiCheck legend="Affected services" name="service_ids" error options=data.services chosen=data.service_ids id_prefix="edit-" />
                    <TextArea label="Summary" name="summary" value=incident.summary.clone() error id_prefix="edit" />
                    <CheckboxField label="This is a drill" name="is_drill" checked=incident.is_drill id_prefix="edit" />
                    <SubmitButton label="Save details" pending_label="Saving…" pending=actions.update.pending().into() />
                </ActionForm>
            </details>
        </section>
    }
}

/// Updates to stakeholders and the status page: the reminder, the composer and what went out.
#[component]
fn UpdatesCard(data: IncidentView, actions: Actions) -> impl IntoView {
    let incident_id = data.summary.incident.id;
    let panel: UpdatesPanel = data.updates;
    let last = match &panel.last_update {
        Some(ago) => format!("Last update {ago}."),
        None => "No update has gone out yet.".to_string(),
    };
    let reminder = panel.overdue.clone().map(|text| {
        let nudge = if panel.reminder_is_for_viewer { " You're the one to send it." } else { "" };
        view! { <p class="notice warning" role="status">{text}{nudge}</p> }
    });
    let composer = panel.can_publish.then(|| view! { <UpdateComposer incident_id panel=panel.clone() actions /> });
    let recipients = view! { <Recipients incident_id recipients=data.recipients.clone() can_add=data.can_respond actions /> };
    let count = panel.total;
    let updates = panel.updates;
    view! {
        <section class="card" aria-labelledby="updates-title">
            <div class="section-head">
                <h2 id="updates-title">"Updates"</h2>
                <p class="muted">{last}</p>
            </div>
            {reminder}
            {composer}
            {recipients}
            {if updates.is_empty() {
                view! { <p class="empty-state">"Updates tell stakeholders and customers what is happening. None yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="updates-list" aria-label="Updates, newest first">
                        {updates.into_iter().map(|view_data| {
                            let update = view_data.update;
                            view! {
                                <li class="update-entry">
                                    <p class="entry-meta">
                                        <span class="badge">{update.audience.label()}</span>
                                        " "<StatusBadge status=update.status />
                                        " "<span title=view_data.published.clone()>{view_data.published_ago.clone()}</span>
                                        " · "{update.author_name.clone()}
                                    </p>
                                    {update.audience.public.then(|| view! { <p class="cell-sub">"Public name: "{update.public_title.clone()}</p> })}
                                    <div class="entry-body" inner_html=update.body_html.clone()></div>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                    {(count > crate::api::updates::UPDATES_SHOWN).then(|| view! {
                        <p class="muted">{format!("Showing the newest {} of {count} updates; all of them are on the timeline.", crate::api::updates::UPDATES_SHOWN)}</p>
                    })}
                }.into_any()
            }}
        </section>
    }
}

/// Who hears of internal updates, following the incident oneself, and adding an outside address.
#[component]
fn Recipients(incident_id: i64, recipients: IncidentRecipients, can_add: bool, actions: Actions) -> impl IntoView {
    let add_error = action_error(actions.add_subscriber);
    let subscribe_error = action_error(actions.subscribe);
    let following = recipients.my_subscription.is_some();
    let people = if recipients.people.is_empty() {
        "nobody yet".to_string()
    } else {
        let mut text = recipients.people.join(", ");
        if recipients.people_total > recipients.people.len() as i64 {
            text.push_str(&format!(" and {} more", recipients.people_total - recipients.people.len() as i64));
        }
        text
    };
    let webhooks = recipients.webhooks.join(", ");
    view! {
        <details class="recipients">
            <summary>{format!("Who is notified ({} people, {} webhooks)", recipients.people_total, recipients.webhooks.len())}</summary>
            <p>"By email: "{people}</p>
            {(!webhooks.is_empty()).then(|| view! { <p>"Webhooks: "{webhooks}</p> })}
            <FormError error=subscribe_error fields=&[] />
            <ActionForm action=actions.subscribe attr:class="inline-form">
                <input type="hidden" name="incident_id" value=incident_id />
                <input type="hidden" name="subscribe" value=(!following).to_string() />
                <button type="submit" class="button small">{if following { "Stop following" } else { "Follow this incident by email" }}</button>
            </ActionForm>
            {can_add.then(|| view! {
                <ActionForm action=actions.add_subscriber attr:class="inline-fields">
                    <input type="hidden" name="incident_id" value=incident_id />
                    <Field label="Add an email address" name="email" kind="email" error=add_error required=true id_prefix="subscriber"
                        hint="Someone outside Quell who should get the internal updates." />
                    <SubmitButton label="Add" pending_label="Adding…" pending=actions.add_subscriber.pending().into() class="button" />
                </ActionForm>
            })}
        </details>
    }
}

#[component]
fn UpdateComposer(incident_id: i64, panel: UpdatesPanel, actions: Actions) -> impl IntoView {
    let error = action_error(actions.publish);
    let states: Vec<(String, String)> = crate::domain::status_page::ComponentState::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), s.label().to_string()))
        .collect();
    let open = panel.overdue.is_some();
    view! {
        <details class="composer" open=open>
            <summary>"Write an update"</summary>
            // Drawn anew after each update sent, so the form starts from the template again.
            {move || {
                actions.publish.version().get();
                let panel = panel.clone();
                let states = states.clone();
                view! {
                    <ActionForm action=actions.publish attr:class="stack-form">
                        <FormError error fields=&["message", "audience", "public_title", "components"] />
                        <input type="hidden" name="incident_id" value=incident_id />
                        <fieldset class="field">
                            <legend>"Send to"</legend>
                            <CheckboxField label="Stakeholders (internal)" name="internal" checked=true id_prefix="update" />
                            {(!panel.is_drill).then(|| view! {
                                <CheckboxField label="Status page (public)" name="public" id_prefix="update"
                                    hint="Everyone can read the status page: write for customers." />
                            })}
                            <FieldMessage error field="audience" />
                        </fieldset>
                        <TextArea label="Message" name="message" value=panel.template.clone() error required=true rows=4
                            hint="Markdown. Pre-filled from the template for the incident's status." id_prefix="update" />
                        {(!panel.is_drill).then(|| view! {
                            <Field label="Public name" name="public_title" value=panel.public_title.clone() error required=false
                                hint="How the status page names this incident (public updates only)." id_prefix="update" />
                        })}
                        {(!panel.is_drill && !panel.components.is_empty()).then(|| {
                            let components = panel.components.clone();
                            view! {
                                <fieldset class="field">
                                    <legend>"Component states (public updates only)"</legend>
                                    {components.into_iter().enumerate().map(|(index, component)| {
                                        let id = format!("update-component-{}", component.service_id);
                                        let name = format!("components[{index}]");
                                        let current = component.state.label();
                                        let options = states.clone();
                                        view! {
                                            <div class="field">
                                                <label for=id.clone()>{component.name.clone()}</label>
                                                <select id=id name=name>
                                                    <option value="" selected=true>{format!("Unchanged ({current})")}</option>
                                                    {options.into_iter().map(|(value, label)| view! {
                                                        <option value=format!("{}:{value}", component.service_id)>{label}</option>
                                                    }).collect_view()}
                                                </select>
                                            </div>
                                        }
                                    }).collect_view()}
                                    <FieldMessage error field="components" />
                                </fieldset>
                            }
                        })}
                        <SubmitButton label="Send update" pending_label="Sending…" pending=actions.publish.pending().into() />
                    </ActionForm>
                }
            }}
        </details>
    }
}

#[component]
fn Timeline(data: IncidentView, actions: Actions) -> impl IntoView {
    let incident_id = data.summary.incident.id;
    let base = format!("/incidents/{incident_id}");
    let pinned_only = data.pinned_only;
    let row_error = Signal::derive(move || {
        action_error(actions.pin).get().or_else(|| action_error(actions.edit_note).get()).map(|e| e.to_string())
    });
    let events = data.timeline;
    let is_empty = events.is_empty();
    view! {
        <section class="card timeline-card" aria-labelledby="timeline-title">
            <div class="section-head">
                <h2 id="timeline-title">"Timeline"</h2>
                <nav class="status-tabs" aria-label="Timeline filter">
                    <a href=base.clone() aria-current=(!pinned_only).then_some("page")>"All entries"</a>
                    <a href=format!("{base}?pinned=true") aria-current=pinned_only.then_some("page")>"Highlights"</a>
                </nav>
            </div>
            {data.can_respond.then(|| view! { <NoteForm incident_id now=data.now_input.clone() actions /> })}
            <Show when=move || row_error.get().is_some()>
                <div class="form-error" role="alert">{move || row_error.get()}</div>
            </Show>
            {if is_empty {
                view! {
                    <p class="empty-state">
                        {if pinned_only { "Nothing is pinned yet. Pin the entries the post-mortem needs." } else { "No entries yet." }}
                    </p>
                }
                .into_any()
            } else {
                view! {
                    <ol class="timeline" aria-label="Timeline entries, newest first">
                        {events.into_iter().map(|event| view! { <TimelineEntry event can_respond=data.can_respond actions /> }).collect_view()}
                    </ol>
                }
                .into_any()
            }}
            {data.older_cursor.map(|cursor| {
                let pinned = if pinned_only { "pinned=true&" } else { "" };
                view! {
                    <nav class="pagination" aria-label="Timeline pages">
                        <a href=base.clone()>"Newest entries"</a>
                        <a href=format!("{base}?{pinned}before={cursor}") rel="next">"Older entries"</a>
                    </nav>
                }
            })}
        </section>
    }
}

#[component]
fn NoteForm(incident_id: i64, now: String, actions: Actions) -> impl IntoView {
    let error = action_error(actions.note);
    // Drawn anew after each note added, so the text area empties.
    view! {
        {move || {
            actions.note.version().get();
            let now = now.clone();
            view! {
                <ActionForm action=actions.note attr:class="note-form stack-form">
                    <FormError error fields=&["body", "occurred_at"] />
                    <input type="hidden" name="incident_id" value=incident_id />
                    <TextArea
                        label="Note"
                        name="body"
                        error
                        required=true
                        rows=3
                        hint="Markdown. What happened, what was decided, by whom."
                        id_prefix="new"
                        draft=actions.note_draft
                    />
                    <Field
                        label="Occurred at"
                        name="occurred_at"
                        kind="datetime-local"
                        value=now
                        error
                        required=false
                        hint="Leave as is for now, or set an earlier time to backdate."
                        id_prefix="new"
                        draft=actions.note_time_draft
                    />
                    <SubmitButton label="Add note" pending_label="Adding…" pending=actions.note.pending().into() />
                </ActionForm>
            }
        }}
    }
}

#[component]
fn TimelineEntry(event: EventView, can_respond: bool, actions: Actions) -> impl IntoView {
    let EventView { event, occurred, occurred_ago, occurred_input, edited, editable } = event;
    let is_note = event.kind == crate::domain::incident::EventKind::Note;
    let label = event.kind.label();
    let pin_label = if event.pinned { "Unpin" } else { "Pin" };
    let history = RwSignal::new(false);
    let event_id = event.id;
    let pinned = event.pinned;
    let pin_name = format!(" entry: {}", event.body.chars().take(60).collect::<String>());
    let edit_event = event.clone();
    view! {
        <li class="timeline-entry" class:pinned=event.pinned class:note=is_note>
            <div class="entry-meta">
                <time datetime=event.occurred_at.to_rfc3339() title=occurred.clone()>{occurred_ago}</time>
                <span class="muted">{occurred}</span>
                <span class="badge kind">{label}</span>
                {event.pinned.then(|| view! { <span class="badge pinned-badge">"Pinned"</span> })}
                <span class="entry-actor">{event.actor_name.clone().unwrap_or_else(|| "Quell".to_string())}</span>
            </div>
            <div class="entry-body" inner_html=event.body_html.clone()></div>
            {edited.map(|at| view! {
                <p class="muted entry-edited">
                    {format!("Edited {at}. ")}
                    <button type="button" class="button link small" on:click=move |_| history.update(|h| *h = !*h)>
                        "Show earlier versions"
                    </button>
                </p>
                <Show when=move || history.get()>
                    <NoteHistory event_id />
                </Show>
            })}
            {can_respond.then(|| view! {
                <div class="entry-actions">
                    <ActionForm action=actions.pin attr:class="inline-form">
                        <input type="hidden" name="event_id" value=event_id />
                        {(!pinned).then(|| view! { <input type="hidden" name="pinned" value="true" /> })}
                        <button type="submit" class="button small">
                            {pin_label} <span class="visually-hidden">{pin_name}</span>
                        </button>
                    </ActionForm>
                    {editable.then(|| view! { <EditNoteForm event=edit_event occurred_input actions /> })}
                </div>
            })}
        </li>
    }
}

#[component]
fn EditNoteForm(event: crate::domain::incident::TimelineEvent, occurred_input: String, actions: Actions) -> impl IntoView {
    let error = action_error(actions.edit_note);
    let prefix = format!("note-{}", event.id);
    view! {
        <details class="edit-note">
            <summary>"Edit note"</summary>
            <ActionForm action=actions.edit_note attr:class="stack-form">
                <FormError error fields=&[] />
                <input type="hidden" name="event_id" value=event.id />
                <input type="hidden" name="revision" value=event.revision />
                <TextArea label="Note text" name="body" value=event.body.clone() error required=true rows=3 id_prefix=prefix.clone() />
                <Field label="Occurred at" name="occurred_at" kind="datetime-local" value=occurred_input error id_prefix=prefix />
                <SubmitButton label="Save note" pending_label="Saving…" pending=actions.edit_note.pending().into() />
            </ActionForm>
        </details>
    }
}

#[component]
fn NoteHistory(event_id: i64) -> impl IntoView {
    let versions = Resource::new(move || event_id, get_note_history);
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading earlier versions…"</p> }>
            {move || {
                versions
                    .get()
                    .map(|loaded| match loaded {
                        Ok(list) => view! {
                            <ol class="note-history" aria-label="Earlier versions">
                                {list
                                    .into_iter()
                                    .map(|v| view! {
                                        <li>
                                            <p class="muted">{format!("Until {} (edited by {}); occurred at {}", v.edited, v.edited_by, v.occurred)}</p>
                                            <pre class="note-source">{v.body}</pre>
                                        </li>
                                    })
                                    .collect_view()}
                            </ol>
                        }
                        .into_any(),
                        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    })
            }}
        </Suspense>
    }
}
