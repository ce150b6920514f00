//! The incident's status form, its key times (and their correction) and the details form.

use super::Actions;
use crate::api::incidents::IncidentView;
use crate::components::form::{action_error, CheckboxField, Field, FormError, MultiCheck, SelectField, SubmitButton, TextArea};
use crate::domain::incident::{KeyTime, Status};
use leptos::prelude::*;

#[component]
pub(super) fn StatusForm(data: IncidentView, actions: Actions) -> impl IntoView {
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
pub(super) fn KeyTimesCard(data: IncidentView, actions: Actions) -> impl IntoView {
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
pub(super) fn DetailsForm(data: IncidentView, actions: Actions) -> impl IntoView {
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
