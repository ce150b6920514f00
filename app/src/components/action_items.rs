//! Action item pieces shown on several pages: the list of items with its "Mark done" button,
//! the new-item form, and the choices their forms offer.

use crate::api::action_items::ItemView;
use crate::components::form::{Field, FormError, SelectField, SubmitButton, TextArea};
use crate::domain::action_item::{ItemStatus, Priority};
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};

/// (value, label) choices of people, after an optional first choice with an empty value.
pub fn people_options(people: &[(i64, String)], first: Option<&str>) -> Vec<(String, String)> {
    let mut options: Vec<(String, String)> = first.map(|f| vec![(String::new(), f.to_string())]).unwrap_or_default();
    options.extend(people.iter().map(|(id, name)| (id.to_string(), name.clone())));
    options
}

/// The priorities as (value, label) choices.
pub fn priority_options() -> Vec<(String, String)> {
    Priority::ALL.iter().map(|p| (p.as_str().to_string(), p.label().to_string())).collect()
}

/// The statuses as (value, label) choices.
pub fn status_options() -> Vec<(String, String)> {
    ItemStatus::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect()
}


/// A list of action items with their deadline (overdue ones marked), and a "Mark done" button
/// for responders. `compact` leaves out the incident column (on an incident's own pages).
#[component]
pub fn ItemList(
    rows: Vec<ItemView>,
    can_respond: bool,
    set_status: FormAction,
    back_to: String,
    #[prop(default = false)] compact: bool,
) -> impl IntoView {
    let error = set_status.error();
    if rows.is_empty() {
        return view! { <p class="empty-state">"No action items."</p> }.into_any();
    }
    view! {
        <FormError error fields=&[] />
        <ul class="catalog-list action-items">
            {rows.into_iter().map(|row| {
                let item = row.item;
                let finished = item.status.is_finished();
                let back_to = back_to.clone();
                view! {
                    <li class="catalog-item" class:overdue=row.overdue>
                        <div class="catalog-head">
                            <a href=format!("/action-items/{}", item.id) class="cell-title">{item.title.clone()}</a>
                            <span class="badge">{item.priority.short()}</span>
                            <span class=format!("badge item-{}", item.status.as_str())>{item.status.label()}</span>
                            {row.overdue.then(|| view! { <span class="badge overdue-badge">"Overdue"</span> })}
                        </div>
                        <p class="cell-sub">
                            {format!("{} · {} ({})", item.owner_name, row.due_text, item.due_on.format("%Y-%m-%d"))}
                            {(!compact).then(|| view! {
                                " · "<a href=format!("/incidents/{}", item.incident_id)>{crate::domain::incident::reference(item.incident_id)}" "{item.incident_title.clone()}</a>
                            })}
                        </p>
                        {(can_respond && !finished).then(|| view! {
                            <PostForm action=set_status attr:class="inline-form">
                                <input type="hidden" name="id" value=item.id />
                                <input type="hidden" name="revision" value=item.revision />
                                <input type="hidden" name="status" value="done" />
                                <input type="hidden" name="wont_do_reason" value="" />
                                <input type="hidden" name="back_to" value=back_to />
                                <button type="submit" class="button small">"Mark done"<span class="visually-hidden">{format!(" {}", item.title)}</span></button>
                            </PostForm>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The form that adds an action item to an incident (and its post-mortem).
#[component]
pub fn NewItemForm(
    create: FormAction,
    incident_id: i64,
    people: Vec<(i64, String)>,
    viewer_id: i64,
    back_to: String,
) -> impl IntoView {
    let error = create.error();
    let form = create.reset_after_success();
    view! {
        <PostForm action=create attr:class="stack-form" node_ref=form>
            <FormError error fields=&["title", "description", "owner_id", "due_on", "priority", "tracker_url"] />
            <input type="hidden" name="incident_id" value=incident_id />
            <input type="hidden" name="back_to" value=back_to />
            <Field label="What needs doing" name="title" error id_prefix="new-item-" />
            <SelectField label="Item owner" name="owner_id" error options=people_options(&people, None) selected=viewer_id.to_string() id_prefix="new-item-" />
            <div class="field">
                <label for="new-item-due_on">"Deadline"</label>
                <input id="new-item-due_on" type="date" name="due_on" required=true
                    aria-describedby=move || error.get().and_then(|e| e.message_for("due_on")).map(|_| "new-item-due_on-error")
                    aria-invalid=move || error.get().and_then(|e| e.message_for("due_on")).map(|_| "true") />
                <crate::components::form::FieldMessage error field="due_on" />
            </div>
            <SelectField label="Priority" name="priority" error options=priority_options() selected="p2" id_prefix="new-item-" />
            <TextArea label="Description" name="description" error rows=2 id_prefix="new-item-" />
            <Field label="Tracker issue (optional)" name="tracker_url" kind="url" error required=false id_prefix="new-item-"
                hint="A link to the issue in your tracker, if there is one." />
            <SubmitButton label="Add action item" pending_label="Adding…" pending=create.pending().into() />
        </PostForm>
    }
}

// ---- the lists ----

