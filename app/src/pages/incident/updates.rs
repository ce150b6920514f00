//! The updates card: the reminder, the composer, who is notified, and the updates sent.

use super::Actions;
use crate::api::incidents::IncidentView;
use crate::api::notifications::IncidentRecipients;
use crate::api::updates::UpdatesPanel;
use crate::components::form::{CheckboxField, Field, FieldMessage, FormError, SubmitButton, TextArea};
use crate::components::badges::StatusBadge;
use leptos::prelude::*;
use std::sync::Arc;
use crate::components::post_form::PostForm;

/// Updates to stakeholders and the status page: the reminder, the composer and what went out.
#[component]
pub(super) fn UpdatesCard(data: Arc<IncidentView>, actions: Actions) -> impl IntoView {
    let incident_id = data.summary.incident.id;
    let panel: UpdatesPanel = data.updates.clone();
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
    let add_error = actions.add_subscriber.error();
    let subscribe_error = actions.subscribe.error();
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
            <PostForm action=actions.subscribe attr:class="inline-form">
                <input type="hidden" name="incident_id" value=incident_id />
                <input type="hidden" name="subscribe" value=(!following).to_string() />
                <button type="submit" class="button small">{if following { "Stop following" } else { "Follow this incident by email" }}</button>
            </PostForm>
            {can_add.then(|| view! {
                <PostForm action=actions.add_subscriber attr:class="inline-fields">
                    <input type="hidden" name="incident_id" value=incident_id />
                    <Field label="Add an email address" name="email" kind="email" error=add_error required=true id_prefix="subscriber"
                        hint="Someone outside Quell who should get the internal updates." />
                    <SubmitButton label="Add" pending_label="Adding…" pending=actions.add_subscriber.pending().into() class="button" />
                </PostForm>
            })}
        </details>
    }
}

#[component]
fn UpdateComposer(incident_id: i64, panel: UpdatesPanel, actions: Actions) -> impl IntoView {
    let error = actions.publish.error();
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
                    <PostForm action=actions.publish attr:class="stack-form">
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
                    </PostForm>
                }
            }}
        </details>
    }
}
