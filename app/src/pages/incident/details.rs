//! The incident's status form, its key times (and their correction) and the details form.

use super::Actions;
use crate::api::incidents::IncidentView;
use std::sync::Arc;
use crate::components::form::{CheckboxField, Field, FormError, MultiCheck, SelectField, SubmitButton, TextArea};
use crate::domain::incident::{KeyTime, Status};
use leptos::prelude::*;
use crate::components::post_form::PostForm;

#[component]
pub(super) fn StatusForm(data: Arc<IncidentView>, actions: Actions) -> impl IntoView {
    let error = actions.status.error();
    let severity_error = actions.severity.error();
    // A refused merge comes back with its form open.
    let merge_error = crate::components::form::field_message(error, "merge_into");
    let incident = data.summary.incident.clone();
    let next = data.next_statuses.clone();
    let severity_options: Vec<(String, String)> = data.severities.iter().map(|s| (s.id.to_string(), s.name.clone())).collect();
    if next.is_empty() {
        return view! { <p class="muted">"This incident has ended; its status can't change."</p> }.into_any();
    }
    let can_merge = next.contains(&Status::Merged);
    // Merging is its own form, under "More": it needs the incident that carries on.
    let moves: Vec<Status> = next.iter().copied().filter(|s| *s != Status::Merged).collect();
    let options: Vec<(String, String)> = moves.iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect();
    let selected = moves.iter().find(|s| !matches!(s, Status::Declined | Status::Triage)).or(moves.first()).map(|s| s.as_str().to_string());
    view! {
        <section class="card" aria-labelledby="status-title">
            <h2 id="status-title">"Status"</h2>
            <FormError error fields=&["status", "merge_into"] />
            {(!moves.is_empty()).then(|| view! {
                <PostForm action=actions.status attr:class="inline-fields">
                    <input type="hidden" name="incident_id" value=incident.id />
                    <input type="hidden" name="revision" value=incident.revision />
                    <SelectField label="New status" name="status" error options selected=selected.clone().unwrap_or_default() />
                    <SubmitButton label="Change status" pending_label="Changing…" pending=actions.status.pending().into() />
                </PostForm>
            })}
            <PostForm action=actions.severity attr:class="inline-fields">
                <FormError error=severity_error fields=&["severity_id"] />
                <input type="hidden" name="incident_id" value=incident.id />
                <input type="hidden" name="revision" value=incident.revision />
                <SelectField label="Severity" name="severity_id" error=severity_error options=severity_options
                    selected=incident.severity_id.to_string() id_prefix="status-" />
                <SubmitButton label="Change severity" pending_label="Changing…" pending=actions.severity.pending().into() />
            </PostForm>
            {can_merge.then(|| view! {
                <details class="more-actions" open=move || merge_error.get().is_some()>
                    <summary>"More"</summary>
                    <PostForm action=actions.status attr:class="inline-fields">
                        <input type="hidden" name="incident_id" value=incident.id />
                        <input type="hidden" name="revision" value=incident.revision />
                        <input type="hidden" name="status" value="merged" />
                        <Field label="Merge into" name="merge_into" error hint="A duplicate ends here and carries on in that incident, like INC-12." />
                        <SubmitButton label="Merge" pending_label="Merging…" pending=actions.status.pending().into() />
                    </PostForm>
                </details>
            })}
        </section>
    }
    .into_any()
}

#[component]
pub(super) fn KeyTimesCard(data: Arc<IncidentView>, actions: Actions) -> impl IntoView {
    let error = actions.key_times.error();
    let incident = data.summary.incident.clone();
    let key_times = data.key_times.clone();
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
                            <dd>
                                {t.shown.unwrap_or_else(|| "—".to_string())}
                                {t.source.map(|source| view! { <span class="cell-sub key-time-source">{source}</span> })}
                            </dd>
                        </div>
                    })
                    .collect_view()}
            </dl>
            {(!data.durations.is_empty()).then(|| view! {
                <dl class="durations">
                    {data.durations.iter().cloned().map(|(label, value)| view! { <div><dt>{label}</dt><dd>{value}</dd></div> }).collect_view()}
                </dl>
            })}
            {data.can_edit_key_times.then(|| view! {
                <details class="edit-times">
                    <summary>"Correct key times"</summary>
                    <PostForm action=actions.key_times attr:class="stack-form">
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
                    </PostForm>
                </details>
            })}
        </section>
    }
}

#[component]
pub(super) fn DetailsForm(data: Arc<IncidentView>, actions: Actions) -> impl IntoView {
    let error = actions.update.error();
    let incident = data.summary.incident.clone();
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
                <PostForm action=actions.update attr:class="stack-form">
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
                    <MultiCheck legend="Affected services" name="service_ids" error options=data.services.clone() chosen=data.service_ids.clone() id_prefix="edit-" />
                    <TextArea label="Summary" name="summary" value=incident.summary.clone() error id_prefix="edit" />
                    <CheckboxField label="This is a drill" name="is_drill" checked=incident.is_drill id_prefix="edit" />
                    <SubmitButton label="Save details" pending_label="Saving…" pending=actions.update.pending().into() />
                </PostForm>
            </details>
        </section>
    }
}
