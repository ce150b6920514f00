//! The incident's roles: who holds each, assigning and removing, and each role's checklist.

use super::Actions;
use crate::api::incidents::{IncidentView, RoleView};
use crate::errors::AppError;
use leptos::prelude::*;
use std::sync::Arc;
use crate::components::post_form::PostForm;

#[component]
pub(super) fn RolesCard(data: Arc<IncidentView>, actions: Actions) -> impl IntoView {
    let assign_error = Signal::derive(move || {
        actions.assign.error().get().or_else(|| actions.unassign.error().get()).or_else(|| actions.checklist.error().get())
    });
    let incident_id = data.summary.incident.id;
    let editable = data.can_respond && !data.summary.incident.status.is_final();
    let people = data.people.clone();
    view! {
        <section class="card" aria-labelledby="roles-title">
            <h2 id="roles-title">"Roles"</h2>
            <Show when=move || assign_error.get().is_some()>
                <div class="form-error" role="alert">{move || assign_error.get().map(|e: AppError| e.to_string())}</div>
            </Show>
            <ul class="roles">
                {data
                    .roles
                    .iter()
                    .cloned()
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
                    <PostForm action=actions.assign attr:class="inline-form">
                        <input type="hidden" name="incident_id" value=incident_id />
                        <input type="hidden" name="role_type_id" value=role_type.id />
                        <input type="hidden" name="current_holder" value=holder_id />
                        <label class="visually-hidden" for=select_id.clone()>{format!("Person for {name}")}</label>
                        <select id=select_id name="user_id">
                            {holder.is_none().then(|| view! { <option value="0" selected>"Choose a person"</option> })}
                            {people
                                .iter()
                                .map(|p| view! { <option value=p.id selected=p.id == holder_id>{p.name.clone()}</option> })
                                .collect_view()}
                        </select>
                        <button type="submit" class="button small">
                            {verb} <span class="visually-hidden">{format!(" {name}")}</span>
                        </button>
                    </PostForm>
                    {can_remove.then(|| view! {
                        <PostForm action=actions.unassign attr:class="inline-form">
                            <input type="hidden" name="incident_id" value=incident_id />
                            <input type="hidden" name="role_type_id" value=role_type.id />
                            <input type="hidden" name="current_holder" value=holder_id />
                            <button type="submit" class="button small link">
                                "Remove" <span class="visually-hidden">{format!(" from {remove_name}")}</span>
                            </button>
                        </PostForm>
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
                                        <PostForm action=actions.checklist attr:class="inline-form">
                                            <input type="hidden" name="incident_id" value=incident_id />
                                            <input type="hidden" name="role_type_id" value=role_type.id />
                                            <input type="hidden" name="item" value=item.clone() />
                                            {(!done).then(|| view! { <input type="hidden" name="ticked" value="true" /> })}
                                            <button type="submit" class="check-item" aria-pressed=done.to_string() disabled=!editable>
                                                <span aria-hidden="true">{if done { "☑ " } else { "☐ " }}</span>
                                                {item.clone()}
                                            </button>
                                        </PostForm>
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
