//! Action items: "My action items", the organisation-wide list with filters, one item with its
//! history and edit form. The item list and new item form, which the post-mortem and incident
//! pages show too, are `components::action_items`. Overdue items are marked everywhere.

use crate::api::action_items::{get_action_item, list_action_items, ItemDetailView, ItemsView, SetActionItemStatus, UpdateActionItem};
use crate::components::form::{Field, FormError, SelectField, SubmitButton, TextArea};
use crate::components::layout::RequireUser;
use crate::components::pagination::Pagination;
use crate::components::action_items::{people_options, priority_options, status_options, ItemList};
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};
use crate::components::title::PageTitle;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ActionItemsPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |name: &str| query.with(|q| q.get(name).unwrap_or_default());
    let int = move |name: &str| get(name).parse::<i64>().unwrap_or(0);
    let set_status = FormAction::new::<SetActionItemStatus>();
    let done = set_status.successes();
    let live = crate::live::use_live_changes(None);
    let data = Resource::new(
        move || (get("all") != "true", int("owner"), get("status"), get("priority"), int("service"), int("incident"), get("overdue") == "true", int("page"), done.get(), live.get()),
        |(mine, owner, status, priority, service, incident, overdue, page, ..)| list_action_items(mine, owner, status, priority, service, incident, overdue, page),
    );
    let mine = move || get("all") != "true";
    let body = crate::components::plain::PageBody::new();
    view! {
        <PageTitle text="Action items · Quell" />
        <RequireUser>
            <h1>"Action items"</h1>
            <nav class="status-tabs" aria-label="Whose action items">
                <a href="/action-items" aria-current=move || mine().then_some("page")>"My action items"</a>
                <a href="/action-items?all=true" aria-current=move || (!mine()).then_some("page")>"All action items"</a>
            </nav>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading action items…"</p> }>
                {move || body.show(move || data.get(), |view_data| view! { <ItemsBody data=view_data mine=mine() set_status /> })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn ItemsBody(data: ItemsView, mine: bool, set_status: FormAction) -> impl IntoView {
    let query = use_query_map();
    let current = move |name: &str| query.with_untracked(|q| q.get(name).unwrap_or_default());
    let no_error = Signal::stored(None);
    let any = |label: &str| (String::new(), label.to_string());
    let mut statuses = vec![any("Not finished"), ("all".to_string(), "Any status".to_string())];
    statuses.extend(status_options());
    let mut priorities = vec![any("Any priority")];
    priorities.extend(priority_options());
    let owners = people_options(&data.people, Some("Anyone"));
    let services = people_options(&data.services, Some("Any service"));
    let back_to = if mine { "/action-items".to_string() } else { "/action-items?all=true".to_string() };
    let (page, pages, total) = (data.page, data.pages, data.total);
    view! {
        <Form method="GET" action="/action-items" attr:class="filter-form" attr:aria-label="Filter action items">
            {(!mine).then(|| view! {
                <input type="hidden" name="all" value="true" />
                <SelectField label="Owner" name="owner" error=no_error options=owners.clone() selected=current("owner") id_prefix="filter" />
                <SelectField label="Service" name="service" error=no_error options=services.clone() selected=current("service") id_prefix="filter" />
            })}
            <SelectField label="Status" name="status" error=no_error options=statuses selected=current("status") id_prefix="filter" />
            <SelectField label="Priority" name="priority" error=no_error options=priorities selected=current("priority") id_prefix="filter" />
            {(!current("incident").is_empty()).then(|| view! { <input type="hidden" name="incident" value=current("incident") /> })}
            <div class="checkbox-field">
                <input type="checkbox" id="filter-overdue" name="overdue" value="true" checked=current("overdue") == "true" />
                <label for="filter-overdue">"Overdue only"</label>
            </div>
            <div class="filter-actions">
                <button type="submit" class="button">"Apply filters"</button>
                <a href=if mine { "/action-items" } else { "/action-items?all=true" }>"Clear"</a>
            </div>
        </Form>
        <p class="muted" role="status">{format!("{total} action item{}, soonest deadline first", if total == 1 { "" } else { "s" })}</p>
        {if data.rows.is_empty() {
            view! {
                <div class="card empty-state">
                    <p class="empty-title">{if mine { "Nothing on your list" } else { "No action items match" }}</p>
                    <p>"Action items are added from a post-mortem or an incident."</p>
                </div>
            }.into_any()
        } else {
            view! { <section class="card" aria-label="Action items"><ItemList rows=data.rows can_respond=data.can_respond set_status back_to /></section> }.into_any()
        }}
        <Pagination page pages base="/action-items" keep=&["all", "owner", "status", "priority", "service", "incident", "overdue"] />
    }
}

// ---- one item ----

#[component]
pub fn ActionItemPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0));
    let update = FormAction::new::<UpdateActionItem>();
    let done = update.successes();
    let live = crate::live::use_live_changes(None);
    let data = Resource::new(move || (id(), done.get(), live.get()), |(id, ..)| get_action_item(id));
    let body = crate::components::plain::PageBody::new();
    view! {
        <RequireUser>
            <p><A href="/action-items">"← Action items"</A></p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading the action item…"</p> }>
                {move || body.show(move || data.get(), |view_data| view! { <ItemBody data=view_data update /> })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn ItemBody(data: ItemDetailView, update: FormAction) -> impl IntoView {
    let error = update.error();
    let row = data.item.clone();
    let item = row.item.clone();
    let back_to = format!("/action-items/{}", item.id);
    view! {
        <PageTitle text=format!("{} · Action items · Quell", item.title) />
        <header class="page-head">
            <p class="reference">
                "Action item from "<a href=format!("/incidents/{}", item.incident_id)>{crate::domain::incident::reference(item.incident_id)}" "{item.incident_title.clone()}</a>
                {item.post_mortem_id.map(|id| view! { " · "<a href=format!("/post-mortems/{id}")>"its post-mortem"</a> })}
            </p>
            <h1>{item.title.clone()}</h1>
            <div class="badges" role="group" aria-label="Priority and status">
                <span class="badge">{item.priority.label()}</span>
                <span class=format!("badge item-{}", item.status.as_str())>{item.status.label()}</span>
                {row.overdue.then(|| view! { <span class="badge overdue-badge">"Overdue"</span> })}
            </div>
            <dl class="facts">
                <div><dt>"Owner"</dt><dd>{item.owner_name.clone()}</dd></div>
                <div><dt>"Deadline"</dt><dd>{format!("{} ({})", item.due_on.format("%Y-%m-%d"), row.due_text)}</dd></div>
                {(!item.tracker_url.is_empty()).then(|| view! {
                    <div><dt>"Tracker issue"</dt><dd><a href=item.tracker_url.clone() rel="noopener noreferrer">{item.tracker_url.clone()}</a></dd></div>
                })}
                {(!item.wont_do_reason.is_empty()).then(|| view! { <div><dt>"Why it won't be done"</dt><dd>{item.wont_do_reason.clone()}</dd></div> })}
            </dl>
            {(!item.description.is_empty()).then(|| view! { <p class="incident-summary">{item.description.clone()}</p> })}
        </header>
        {data.can_respond.then(|| view! {
            <section class="card" aria-labelledby="edit-item-heading">
                <h2 id="edit-item-heading">"Edit"</h2>
                <PostForm action=update attr:class="stack-form">
                    <FormError error fields=&["title", "description", "owner_id", "due_on", "priority", "status", "wont_do_reason", "tracker_url"] />
                    <input type="hidden" name="id" value=item.id />
                    <input type="hidden" name="revision" value=item.revision />
                    <input type="hidden" name="back_to" value=back_to.clone() />
                    <Field label="What needs doing" name="title" value=item.title.clone() error id_prefix="item-" />
                    <SelectField label="Item owner" name="owner_id" error options=people_options(&data.people, None) selected=item.owner_id.to_string() id_prefix="item-" />
                    <Field label="Deadline" name="due_on" kind="date" value=item.due_on.format("%Y-%m-%d").to_string() error id_prefix="item-" />
                    <SelectField label="Priority" name="priority" error options=priority_options() selected=item.priority.as_str() id_prefix="item-" />
                    <SelectField label="Status" name="status" error options=status_options() selected=item.status.as_str() id_prefix="item-" />
                    <Field label="Reason for won't do" name="wont_do_reason" value=item.wont_do_reason.clone() error required=false id_prefix="item-"
                        hint="Needed when the status is \"Won't do\"." />
                    <TextArea label="Description" name="description" value=item.description.clone() error rows=3 id_prefix="item-" />
                    <Field label="Tracker issue (optional)" name="tracker_url" kind="url" value=item.tracker_url.clone() error required=false id_prefix="item-" />
                    <SubmitButton label="Save" pending_label="Saving…" pending=update.pending().into() />
                </PostForm>
            </section>
        })}
        <section class="card" aria-labelledby="item-history-heading">
            <h2 id="item-history-heading">"History"</h2>
            <ol class="timeline">
                {data.history.into_iter().map(|(change, at)| {
                    let text = if change.field == "Created" {
                        format!("{} created it", change.changed_by_name)
                    } else {
                        format!("{} changed {}: {} → {}", change.changed_by_name, change.field.to_lowercase(),
                            if change.before.is_empty() { "(none)" } else { &change.before }, if change.after.is_empty() { "(none)" } else { &change.after })
                    };
                    view! { <li class="timeline-entry"><p class="entry-meta">{at}</p><p>{text}</p></li> }
                }).collect_view()}
            </ol>
        </section>
    }
}
