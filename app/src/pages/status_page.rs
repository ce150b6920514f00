//! The status page's settings: a link to the public page, its look, the update templates and
//! the maintenance windows. Everyone signed in reads them; admins see the forms.

use crate::api::status_page::{
    get_status_page_admin, CancelMaintenance, CreateMaintenance, MaintenanceView, StatusPageAdmin, UpdateStatusPageSettings,
    UpdateTemplate,
};
use crate::components::form::{Field, FormError, MultiCheck, SubmitButton, TextArea};
use crate::components::layout::RequireUser;
use crate::domain::status_page::MaintenancePhase;
use crate::components::pagination::Pagination;
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};
use crate::components::title::PageTitle;
use leptos_router::hooks::use_query_map;

#[component]
pub fn StatusPageSettingsPage() -> impl IntoView {
    let query = use_query_map();
    let page = Memo::new(move |_| query.with(|q| q.get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1)));
    let look = FormAction::new::<UpdateStatusPageSettings>();
    let template = FormAction::new::<UpdateTemplate>();
    let create = FormAction::new::<CreateMaintenance>();
    let cancel = FormAction::new::<CancelMaintenance>();
    let data = Resource::new(
        move || (page.get(), look.version().get(), template.version().get(), create.version().get(), cancel.version().get()),
        |(page, ..)| get_status_page_admin(page),
    );
    let body = crate::components::plain::PageBody::new();
    view! {
        <PageTitle text="Status page · Quell" />
        <RequireUser>
            <h1>"Status page"</h1>
            <p class="muted">
                "The public page customers read, without signing in: "
                <a href="/status" rel="external">"open the status page"</a>
                ". It shows public services as components, public updates and maintenance windows."
            </p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || body.show(move || data.get(), |admin| view! { <StatusPageBody admin look template create cancel /> })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn StatusPageBody(
    admin: StatusPageAdmin,
    look: FormAction,
    template: FormAction,
    create: FormAction,
    cancel: FormAction,
) -> impl IntoView {
    let can_edit = admin.can_edit;
    let look_error = look.error();
    let template_error = template.error();
    let cancel_error = cancel.error();
    let (page, pages) = (admin.page, admin.pages);
    let maintenance = admin.maintenance.clone();
    view! {
        <section class="card" aria-labelledby="maintenance-heading">
            <h2 id="maintenance-heading">"Maintenance windows"</h2>
            <p class="muted">"Planned work shows as upcoming, switches its components to “under maintenance” while it runs, and ends by itself."</p>
            <FormError error=cancel_error fields=&[] />
            {if maintenance.is_empty() {
                view! { <p class="empty-state">"No maintenance planned."</p> }.into_any()
            } else {
                view! {
                    <ul class="maintenance-list">
                        {maintenance.into_iter().map(|window| view! { <MaintenanceItem window can_edit cancel /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <Pagination page pages base="/status-page" />
            {can_edit.then(|| view! { <MaintenanceForm components=admin.components.clone() now=admin.now_input.clone() create /> })}
        </section>
        {can_edit.then(|| view! {
            <section class="card" aria-labelledby="look-heading">
                <h2 id="look-heading">"Look"</h2>
                <PostForm action=look attr:class="stack-form">
                    <FormError error=look_error fields=&["title", "logo_text", "accent_color"] />
                    <input type="hidden" name="revision" value=admin.revision />
                    <Field label="Page title" name="title" value=admin.title.clone() error=look_error id_prefix="look" />
                    <Field label="Logo text" name="logo_text" value=admin.logo_text.clone() error=look_error id_prefix="look"
                        hint="Shown at the top left, such as your company's name." />
                    <Field label="Accent colour" name="accent_color" value=admin.accent_color.clone() error=look_error id_prefix="look"
                        hint="A colour like #2563eb, for links and the top border." />
                    <SubmitButton label="Save look" pending_label="Saving…" pending=look.pending().into() />
                </PostForm>
            </section>
            <section class="card" aria-labelledby="templates-heading">
                <h2 id="templates-heading">"Update templates"</h2>
                <p class="muted">"The text that pre-fills an update, for the incident's status. Responders edit it before sending."</p>
                <FormError error=template_error fields=&["body"] />
                {admin.templates.iter().cloned().map(|(status, body, revision)| {
                    let prefix = format!("template-{}", status.as_str());
                    let label: &'static str = status.label();
                    view! {
                        <PostForm action=template attr:class="stack-form">
                            <input type="hidden" name="status" value=status.as_str() />
                            <input type="hidden" name="revision" value=revision />
                            <TextArea label=label name="body" value=body error=template_error rows=2 id_prefix=prefix />
                            <SubmitButton label="Save template" pending_label="Saving…" pending=template.pending().into() class="button" />
                        </PostForm>
                    }
                }).collect_view()}
            </section>
        })}
    }
}

#[component]
fn MaintenanceItem(window: MaintenanceView, can_edit: bool, cancel: FormAction) -> impl IntoView {
    let state = if window.cancelled { "Cancelled" } else { window.phase.label() };
    let active = !window.cancelled && window.phase != MaintenancePhase::Completed;
    view! {
        <li class="catalog-item">
            <div class="catalog-head">
                <span class="cell-title">{window.title.clone()}</span>
                <span class="badge">{state}</span>
                <span class="cell-sub">{format!("{} – {}", window.starts, window.ends)}</span>
                <span class="cell-sub">{format!("Affects: {}", window.components.join(", "))}</span>
                <span>{window.message.clone()}</span>
            </div>
            {(can_edit && active).then(|| view! {
                <PostForm action=cancel attr:class="inline-form">
                    <input type="hidden" name="maintenance_id" value=window.id />
                    <input type="hidden" name="revision" value=window.revision />
                    <button type="submit" class="button small">"Cancel window" <span class="visually-hidden">{format!(" {}", window.title)}</span></button>
                </PostForm>
            })}
        </li>
    }
}

#[component]
fn MaintenanceForm(components: Vec<(i64, String)>, now: String, create: FormAction) -> impl IntoView {
    let error = create.error();
    view! {
        <details>
            <summary>"Plan maintenance"</summary>
            {move || {
                // Drawn anew after each window planned, so the form empties.
                create.version().get();
                let components = components.clone();
                let now = now.clone();
                view! {
                    <PostForm action=create attr:class="stack-form">
                        <FormError error fields=&["title", "message", "starts_at", "ends_at", "service_ids"] />
                        <Field label="Title" name="title" error id_prefix="maintenance" />
                        <Field label="Starts" name="starts_at" kind="datetime-local" value=now error id_prefix="maintenance" />
                        <Field label="Ends" name="ends_at" kind="datetime-local" error id_prefix="maintenance" />
                        <MultiCheck legend="Components" name="service_ids" error options=components id_prefix="maintenance"
                            empty="No public services yet: mark services “Show on the public status page” first." />
                        <TextArea label="Message" name="message" error rows=3 id_prefix="maintenance"
                            hint="Markdown. What will happen and what customers may notice." />
                        <SubmitButton label="Plan maintenance" pending_label="Planning…" pending=create.pending().into() />
                    </PostForm>
                }
            }}
        </details>
    }
}
