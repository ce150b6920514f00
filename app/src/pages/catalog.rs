//! Settings for incidents: severities, services, role types and incident types. Everyone can
//! read them; admins see the forms.

use crate::api::catalog::{
    list_incident_types, list_role_types, list_services, list_severities, CatalogPage, CreateIncidentType, CreateRoleType,
    CreateService, CreateSeverity, IncidentTypesView, MoveSeverity, ServicesView, UpdateIncidentType, UpdateRoleType,
    UpdateService, UpdateSeverity,
};
use crate::components::errors::AppErrorView;
use crate::components::form::{CheckboxField, Field, FormError, SelectField, SubmitButton, TextArea};
use crate::components::layout::RequireUser;
use crate::domain::catalog::{IncidentType, RoleType, Service, Severity};
use crate::components::pagination::Pagination;
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};
use crate::components::title::PageTitle;
use leptos_router::hooks::use_query_map;

fn page_param() -> Memo<i64> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| q.get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1)))
}

/// A catalog page: title, intro, and the loaded list drawn by `body`.
#[component]
fn CatalogFrame<T, F, V>(title: &'static str, intro: &'static str, data: Resource<Result<T, crate::errors::AppError>>, body: F) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(T) -> V + Copy + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <PageTitle text=format!("{title} · Quell") />
        <RequireUser>
            <p><a href="/settings">"← Settings"</a></p>
            <h1>{title}</h1>
            <p class="muted">{intro}</p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || {
                    data.get()
                        .map(|loaded| match loaded {
                            Ok(loaded) => body(loaded).into_any(),
                            Err(error) => view! { <AppErrorView error /> }.into_any(),
                        })
                }}
            </Transition>
        </RequireUser>
    }
}

/// The pages of a catalog list.
fn list_footer<T>(list: &CatalogPage<T>, base: &'static str) -> impl IntoView + use<T> {
    let (page, pages) = (list.page, list.pages);
    view! { <Pagination page pages base /> }
}

// ---- severities ----

const REMINDER_HINT: &str = "How long an open incident may go without an update before the communications lead is reminded. Empty: never.";
const PAGES_HINT: &str = "Declaring an incident at this severity pages the escalation policies of the services it affects; the declarer can untick each.";

#[component]
pub fn SeveritiesPage() -> impl IntoView {
    let page = page_param();
    let create = FormAction::new::<CreateSeverity>();
    let update = FormAction::new::<UpdateSeverity>();
    let moved = FormAction::new::<MoveSeverity>();
    let data = Resource::new(
        move || (page.get(), create.version().get(), update.version().get(), moved.version().get()),
        |(page, ..)| list_severities(page),
    );
    view! {
        <CatalogFrame
            title="Severities"
            intro="How bad an incident is, worst first. Responders choose one when they declare an incident."
            data
            body={move |list: CatalogPage<Severity>| {
                let row_error = Signal::derive(move || update.error().get().or_else(|| moved.error().get()));
                let can_edit = list.can_edit;
                let count = list.rows.len();
                view! {
                    <FormError error=row_error fields=&[] />
                    <ol class="catalog-list">
                        {list
                            .rows
                            .iter()
                            .cloned()
                            .enumerate()
                            .map(|(index, severity)| view! { <SeverityItem severity can_edit first=index == 0 last=index + 1 == count update moved /> })
                            .collect_view()}
                    </ol>
                    {list_footer(&list, "/settings/severities")}
                    {can_edit.then(|| view! { <NewSeverityForm create /> })}
                }
            }}
        />
    }
}

#[component]
fn SeverityItem(
    severity: Severity,
    can_edit: bool,
    first: bool,
    last: bool,
    update: FormAction,
    moved: FormAction,
) -> impl IntoView {
    let error = update.error();
    let prefix = format!("severity-{}", severity.id);
    let name = severity.name.clone();
    let (severity_id, revision) = (severity.id, severity.revision);
    let move_button = |direction: &'static str, label: &'static str, disabled: bool, name: String| {
        view! {
            <PostForm action=moved attr:class="inline-form">
                <input type="hidden" name="severity_id" value=severity_id />
                <input type="hidden" name="revision" value=revision />
                <input type="hidden" name="direction" value=direction />
                <button type="submit" class="button small" disabled=disabled>
                    {label} <span class="visually-hidden">{format!(" {name}")}</span>
                </button>
            </PostForm>
        }
    };
    view! {
        <li class="catalog-item">
            <div class="catalog-head">
                <span class="badge severity">{severity.name.clone()}</span>
                <span>{severity.description.clone()}</span>
                <span class="cell-sub">{match severity.update_interval_minutes {
                    Some(minutes) => format!("Update reminder after {minutes} minutes"),
                    None => "No update reminder".to_string(),
                }}</span>
                <span class="cell-sub">{if severity.pages_on_declare {
                    "Declaring pages the affected services' on-call"
                } else {
                    "Declaring pages nobody"
                }}</span>
            </div>
            {can_edit.then(|| view! {
                <div class="catalog-actions">
                    {move_button("up", "Move up", first, name.clone())}
                    {move_button("down", "Move down", last, name.clone())}
                    <details>
                        <summary>"Edit " <span class="visually-hidden">{name.clone()}</span></summary>
                        <PostForm action=update attr:class="stack-form">
                            <input type="hidden" name="severity_id" value=severity.id />
                            <input type="hidden" name="revision" value=severity.revision />
                            <Field label="Name" name="name" value=severity.name.clone() error id_prefix=prefix.clone() />
                            <TextArea label="When to use it" name="description" value=severity.description.clone() error id_prefix=prefix.clone() />
                            <Field label="Update reminder (minutes)" name="update_interval_minutes" kind="number" required=false hint=REMINDER_HINT
                                value=severity.update_interval_minutes.map(|m| m.to_string()).unwrap_or_default() error id_prefix=prefix.clone() />
                            <CheckboxField label="Declaring pages the on-call" name="pages_on_declare" checked=severity.pages_on_declare
                                hint=PAGES_HINT id_prefix=prefix.clone() />
                            <SubmitButton label="Save severity" pending_label="Saving…" pending=update.pending().into() />
                        </PostForm>
                    </details>
                </div>
            })}
        </li>
    }
}

#[component]
fn NewSeverityForm(create: FormAction) -> impl IntoView {
    let error = create.error();
    view! {
        <section class="card" aria-labelledby="new-severity">
            <h2 id="new-severity">"Add a severity"</h2>
            <p class="muted">"New severities go to the bottom of the list; move them up if they are worse."</p>
            <PostForm action=create attr:class="stack-form">
                <FormError error fields=&["name", "description", "update_interval_minutes"] />
                <Field label="Name" name="name" error id_prefix="new" />
                <TextArea label="When to use it" name="description" error id_prefix="new" />
                <Field label="Update reminder (minutes)" name="update_interval_minutes" kind="number" required=false hint=REMINDER_HINT error id_prefix="new" />
                <CheckboxField label="Declaring pages the on-call" name="pages_on_declare" hint=PAGES_HINT id_prefix="new" />
                <SubmitButton label="Add severity" pending_label="Adding…" pending=create.pending().into() />
            </PostForm>
        </section>
    }
}

// ---- services ----

#[component]
pub fn ServicesPage() -> impl IntoView {
    let page = page_param();
    let create = FormAction::new::<CreateService>();
    let update = FormAction::new::<UpdateService>();
    let data = Resource::new(move || (page.get(), create.version().get(), update.version().get()), |(page, ..)| list_services(page));
    view! {
        <CatalogFrame
            title="Services"
            intro="The things your organisation runs. Incidents say which services they affect."
            data
            body={move |view_data: ServicesView| {
                let ServicesView { list, people, parents } = view_data;
                let can_edit = list.can_edit;
                let row_error = update.error();
                let is_empty = list.rows.is_empty();
                view! {
                    <FormError error=row_error fields=&[] />
                    {is_empty.then(|| view! { <div class="card empty-state"><p class="empty-title">"No services yet"</p></div> })}
                    <ul class="catalog-list">
                        {list
                            .rows
                            .iter()
                            .cloned()
                            .map(|service| view! { <ServiceItem service can_edit people=people.clone() parents=parents.clone() update /> })
                            .collect_view()}
                    </ul>
                    {list_footer(&list, "/settings/services")}
                    {can_edit.then(|| view! { <ServiceForm people=people.clone() parents=parents.clone() create /> })}
                }
            }}
        />
    }
}

const PUBLIC_LABEL: &str = "Show on the public status page";
const PUBLIC_HINT: &str = "Public services appear on /status as components, grouped under the service they are part of.";

fn owner_options(people: &[crate::domain::catalog::Person]) -> Vec<(String, String)> {
    let mut options = vec![("0".to_string(), "No one".to_string())];
    options.extend(people.iter().map(|p| (p.id.to_string(), p.name.clone())));
    options
}

fn parent_options(parents: &[(i64, String)], except: i64) -> Vec<(String, String)> {
    let mut options = vec![("0".to_string(), "None (top level)".to_string())];
    options.extend(parents.iter().filter(|(id, _)| *id != except).map(|(id, name)| (id.to_string(), name.clone())));
    options
}

#[component]
fn ServiceItem(
    service: Service,
    can_edit: bool,
    people: Vec<crate::domain::catalog::Person>,
    parents: Vec<(i64, String)>,
    update: FormAction,
) -> impl IntoView {
    let error = update.error();
    let prefix = format!("service-{}", service.id);
    let owner = match (&service.owner_team, &service.owner_user_name) {
        (team, Some(person)) if !team.is_empty() => format!("{team} ({person})"),
        (team, _) if !team.is_empty() => team.clone(),
        (_, Some(person)) => person.clone(),
        _ => "No owner".to_string(),
    };
    view! {
        <li class="catalog-item">
            <div class="catalog-head">
                <span class="cell-title">{service.name.clone()}</span>
                {service.parent_name.clone().map(|p| view! { <span class="cell-sub">{format!("Part of {p}")}</span> })}
                <span class="cell-sub">{owner}</span>
                <span>{service.description.clone()}</span>
                {service.public.then(|| view! { <span class="badge">"On the status page"</span> })}
            </div>
            {can_edit.then(|| view! {
                <details>
                    <summary>"Edit " <span class="visually-hidden">{service.name.clone()}</span></summary>
                    <PostForm action=update attr:class="stack-form">
                        <input type="hidden" name="service_id" value=service.id />
                        <input type="hidden" name="revision" value=service.revision />
                        <Field label="Name" name="name" value=service.name.clone() error id_prefix=prefix.clone() />
                        <TextArea label="Description" name="description" value=service.description.clone() error id_prefix=prefix.clone() />
                        <Field label="Owning team" name="owner_team" value=service.owner_team.clone() error required=false id_prefix=prefix.clone() />
                        <SelectField label="Owner" name="owner_user_id" error options=owner_options(&people) selected=service.owner_user_id.unwrap_or(0).to_string() id_prefix=prefix.clone() />
                        <SelectField label="Part of" name="parent_id" error options=parent_options(&parents, service.id) selected=service.parent_id.unwrap_or(0).to_string() id_prefix=prefix.clone() />
                        <CheckboxField label=PUBLIC_LABEL name="public" checked=service.public hint=PUBLIC_HINT id_prefix=prefix.clone() />
                        <SubmitButton label="Save service" pending_label="Saving…" pending=update.pending().into() />
                    </PostForm>
                </details>
            })}
        </li>
    }
}

#[component]
fn ServiceForm(people: Vec<crate::domain::catalog::Person>, parents: Vec<(i64, String)>, create: FormAction) -> impl IntoView {
    let error = create.error();
    view! {
        <section class="card" aria-labelledby="new-service">
            <h2 id="new-service">"Add a service"</h2>
            <PostForm action=create attr:class="stack-form">
                <FormError error fields=&["name", "description", "owner_team", "owner_user_id", "parent_id"] />
                <Field label="Name" name="name" error id_prefix="new" />
                <TextArea label="Description" name="description" error id_prefix="new" />
                <Field label="Owning team" name="owner_team" error required=false id_prefix="new" />
                <SelectField label="Owner" name="owner_user_id" error options=owner_options(&people) selected="0" id_prefix="new" />
                <SelectField label="Part of" name="parent_id" error options=parent_options(&parents, 0) selected="0" id_prefix="new" />
                <CheckboxField label=PUBLIC_LABEL name="public" hint=PUBLIC_HINT id_prefix="new" />
                <SubmitButton label="Add service" pending_label="Adding…" pending=create.pending().into() />
            </PostForm>
        </section>
    }
}

// ---- role types ----

#[component]
pub fn RoleTypesPage() -> impl IntoView {
    let page = page_param();
    let create = FormAction::new::<CreateRoleType>();
    let update = FormAction::new::<UpdateRoleType>();
    let data = Resource::new(move || (page.get(), create.version().get(), update.version().get()), |(page, ..)| list_role_types(page));
    view! {
        <CatalogFrame
            title="Incident roles"
            intro="The responsibilities people take on during an incident, each with a checklist. Define them before an incident, not during it."
            data
            body={move |list: CatalogPage<RoleType>| {
                let can_edit = list.can_edit;
                let row_error = update.error();
                view! {
                    <FormError error=row_error fields=&[] />
                    <ul class="catalog-list">
                        {list.rows.iter().cloned().map(|role_type| view! { <RoleTypeItem role_type can_edit update /> }).collect_view()}
                    </ul>
                    {list_footer(&list, "/settings/role-types")}
                    {can_edit.then(|| view! { <RoleTypeForm create /> })}
                }
            }}
        />
    }
}

#[component]
fn RoleTypeItem(role_type: RoleType, can_edit: bool, update: FormAction) -> impl IntoView {
    let error = update.error();
    let prefix = format!("role-type-{}", role_type.id);
    view! {
        <li class="catalog-item" class:retired=role_type.retired>
            <div class="catalog-head">
                <span class="cell-title">{role_type.name.clone()}</span>
                {role_type.is_commander.then(|| view! { <span class="badge">"Always held"</span> })}
                {role_type.retired.then(|| view! { <span class="badge">"Retired"</span> })}
                <span>{role_type.description.clone()}</span>
                <ul class="checklist-preview">
                    {role_type.checklist.iter().map(|item| view! { <li>{item.clone()}</li> }).collect_view()}
                </ul>
            </div>
            {can_edit.then(|| view! {
                <details>
                    <summary>"Edit " <span class="visually-hidden">{role_type.name.clone()}</span></summary>
                    <PostForm action=update attr:class="stack-form">
                        <FormError error fields=&["name", "description", "checklist", "retired"] />
                        <input type="hidden" name="role_type_id" value=role_type.id />
                        <input type="hidden" name="revision" value=role_type.revision />
                        <Field label="Name" name="name" value=role_type.name.clone() error id_prefix=prefix.clone() />
                        <TextArea label="Responsibilities" name="description" value=role_type.description.clone() error id_prefix=prefix.clone() />
                        <TextArea label="Checklist" name="checklist" value=role_type.checklist.join("\n") error hint="One item per line." rows=5 id_prefix=prefix.clone() />
                        {(!role_type.is_commander).then(|| view! {
                            <CheckboxField label="Retired (can no longer be assigned)" name="retired" checked=role_type.retired id_prefix=prefix.clone() />
                        })}
                        <SubmitButton label="Save role" pending_label="Saving…" pending=update.pending().into() />
                    </PostForm>
                </details>
            })}
        </li>
    }
}

#[component]
fn RoleTypeForm(create: FormAction) -> impl IntoView {
    let error = create.error();
    view! {
        <section class="card" aria-labelledby="new-role-type">
            <h2 id="new-role-type">"Add a role"</h2>
            <PostForm action=create attr:class="stack-form">
                <FormError error fields=&["name", "description", "checklist"] />
                <Field label="Name" name="name" error id_prefix="new" />
                <TextArea label="Responsibilities" name="description" error id_prefix="new" />
                <TextArea label="Checklist" name="checklist" error hint="One item per line." rows=5 id_prefix="new" />
                <SubmitButton label="Add role" pending_label="Adding…" pending=create.pending().into() />
            </PostForm>
        </section>
    }
}

// ---- incident types ----

#[component]
pub fn IncidentTypesPage() -> impl IntoView {
    let page = page_param();
    let create = FormAction::new::<CreateIncidentType>();
    let update = FormAction::new::<UpdateIncidentType>();
    let data =
        Resource::new(move || (page.get(), create.version().get(), update.version().get()), |(page, ..)| list_incident_types(page));
    view! {
        <CatalogFrame
            title="Incident types"
            intro="Optional kinds of incident, such as Security or Deployment, each with a default severity."
            data
            body={move |view_data: IncidentTypesView| {
                let IncidentTypesView { list, severities } = view_data;
                let can_edit = list.can_edit;
                let row_error = update.error();
                let is_empty = list.rows.is_empty();
                view! {
                    <FormError error=row_error fields=&[] />
                    {is_empty.then(|| view! { <div class="card empty-state"><p class="empty-title">"No incident types yet"</p><p>"They are optional."</p></div> })}
                    <ul class="catalog-list">
                        {list
                            .rows
                            .iter()
                            .cloned()
                            .map(|kind| view! { <IncidentTypeItem kind can_edit severities=severities.clone() update /> })
                            .collect_view()}
                    </ul>
                    {list_footer(&list, "/settings/incident-types")}
                    {can_edit.then(|| view! { <IncidentTypeForm severities=severities.clone() create /> })}
                }
            }}
        />
    }
}

fn severity_options(severities: &[Severity]) -> Vec<(String, String)> {
    let mut options = vec![("0".to_string(), "No default".to_string())];
    options.extend(severities.iter().map(|s| (s.id.to_string(), s.name.clone())));
    options
}

#[component]
fn IncidentTypeItem(kind: IncidentType, can_edit: bool, severities: Vec<Severity>, update: FormAction) -> impl IntoView {
    let error = update.error();
    let prefix = format!("incident-type-{}", kind.id);
    let default = kind
        .default_severity_id
        .and_then(|id| severities.iter().find(|s| s.id == id))
        .map(|s| format!("Default severity: {}", s.name))
        .unwrap_or_else(|| "No default severity".to_string());
    view! {
        <li class="catalog-item" class:retired=kind.retired>
            <div class="catalog-head">
                <span class="cell-title">{kind.name.clone()}</span>
                {kind.retired.then(|| view! { <span class="badge">"Retired"</span> })}
                <span class="cell-sub">{default}</span>
                <span>{kind.description.clone()}</span>
            </div>
            {can_edit.then(|| view! {
                <details>
                    <summary>"Edit " <span class="visually-hidden">{kind.name.clone()}</span></summary>
                    <PostForm action=update attr:class="stack-form">
                        <input type="hidden" name="incident_type_id" value=kind.id />
                        <input type="hidden" name="revision" value=kind.revision />
                        <Field label="Name" name="name" value=kind.name.clone() error id_prefix=prefix.clone() />
                        <TextArea label="Description" name="description" value=kind.description.clone() error id_prefix=prefix.clone() />
                        <SelectField label="Default severity" name="default_severity_id" error options=severity_options(&severities) selected=kind.default_severity_id.unwrap_or(0).to_string() id_prefix=prefix.clone() />
                        <CheckboxField label="Retired (can no longer be chosen)" name="retired" checked=kind.retired id_prefix=prefix.clone() />
                        <SubmitButton label="Save type" pending_label="Saving…" pending=update.pending().into() />
                    </PostForm>
                </details>
            })}
        </li>
    }
}

#[component]
fn IncidentTypeForm(severities: Vec<Severity>, create: FormAction) -> impl IntoView {
    let error = create.error();
    view! {
        <section class="card" aria-labelledby="new-incident-type">
            <h2 id="new-incident-type">"Add an incident type"</h2>
            <PostForm action=create attr:class="stack-form">
                <FormError error fields=&["name", "description", "default_severity_id"] />
                <Field label="Name" name="name" error id_prefix="new" />
                <TextArea label="Description" name="description" error id_prefix="new" />
                <SelectField label="Default severity" name="default_severity_id" error options=severity_options(&severities) selected="0" id_prefix="new" />
                <SubmitButton label="Add type" pending_label="Adding…" pending=create.pending().into() />
            </PostForm>
        </section>
    }
}
