//! The incidents list (open incidents first, then a filtered, keyset-paginated list) and the
//! declare form.

use crate::api::incidents::{get_declare_form, list_incidents, DeclareForm, DeclareIncident, IncidentRow, IncidentsView};
use crate::components::form::{CheckboxField, Field, FormError, MultiCheck, SelectField, SubmitButton, TextArea};
use crate::components::badges::{SeverityBadge, StatusBadge};
use crate::components::layout::RequireUser;
use crate::domain::incident::{reference, Status};
use crate::domain::permissions::Permission;
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};
use crate::components::title::PageTitle;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

/// The query parameters of the list, in the order `list_incidents` takes them.
const FILTER_PARAMS: [&str; 10] = ["status", "severity", "service", "incident_type", "mine", "drill", "from", "to", "q", "sort"];

#[component]
pub fn IncidentsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &'static str| query.with(|q| q.get(name).unwrap_or_default());
    let live = crate::live::use_live_changes(None);
    let view_data = Resource::new(
        move || (FILTER_PARAMS.map(param), param("cursor"), live.get()),
        |(p, cursor, _)| {
            let [status, severity, service, incident_type, mine, drill, from, to, q, sort] = p;
            list_incidents(status, severity, service, incident_type, mine, drill, from, to, q, sort, cursor)
        },
    );
    let body = crate::components::plain::PageBody::new();
    view! {
        <PageTitle text="Incidents · Quell" />
        <RequireUser>
            <div class="page-head">
                <h1>"Incidents"</h1>
                <a class="button primary" href="/incidents/declare">"Declare incident"</a>
            </div>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading incidents…"</p> }>
                {move || body.show(move || view_data.get(), |data| view! { <IncidentsBody data /> })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn IncidentsBody(data: IncidentsView) -> impl IntoView {
    let query = use_query_map();
    let IncidentsView { open, open_total, rows, next_cursor, total, status_counts, counts_capped, severities, services, incident_types, .. } =
        data;
    let current = move |name: &str| query.with_untracked(|q| q.get(name).unwrap_or_default());
    // The list's address with one parameter changed (and the cursor dropped unless it is the one changed).
    let link_with = move |name: &str, value: &str| {
        let mut pairs: Vec<(String, String)> = FILTER_PARAMS
            .iter()
            .filter(|p| **p != name)
            .map(|p| (p.to_string(), current(p)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if !value.is_empty() {
            pairs.push((name.to_string(), value.to_string()));
        }
        if name == "cursor" {
            pairs.retain(|(k, _)| k != "cursor");
            pairs.push(("cursor".into(), value.to_string()));
        }
        let query: Vec<String> =
            pairs.iter().map(|(k, v)| format!("{k}={}", crate::domain::text::urlencode(v))).collect();
        if query.is_empty() { "/incidents".to_string() } else { format!("/incidents?{}", query.join("&")) }
    };
    let open_count: i64 = status_counts.iter().filter(|(s, _)| s.is_open()).map(|(_, n)| n).sum();
    let has_cursor = !current("cursor").is_empty();
    let filtered = FILTERS.iter().chain(&["q"]).any(|k| !current(k).is_empty());
    // Red only when something is open.
    let open_class = if open_total > 0 { "card open-incidents" } else { "card open-incidents quiet" };
    view! {
        <section class=open_class aria-labelledby="open-title">
            <h2 id="open-title">{format!("Open now ({open_total})")}</h2>
            {if open.is_empty() {
                view! { <p class="muted">"No open incidents. All quiet."</p> }.into_any()
            } else {
                view! {
                    <ul class="open-list">
                        {open.into_iter().map(|row| view! { <OpenIncidentItem row /> }).collect_view()}
                    </ul>
                    {(open_total > 10).then(|| view! { <a href="/incidents?status=open">"See all open incidents"</a> })}
                }
                .into_any()
            }}
        </section>
        <section aria-labelledby="all-title">
            <h2 id="all-title">"All incidents"</h2>
            <nav class="status-tabs" aria-label="Status">
                <a href=link_with("status", "") aria-current=(current("status").is_empty()).then_some("page")>
                    "All"
                </a>
                <a href=link_with("status", "open") aria-current=(current("status") == "open").then_some("page")>
                    {if counts_capped { "Open".to_string() } else { format!("Open ({open_count})") }}
                </a>
                // Counted over the first matches only, the numbers would mislead: every status
                // is offered, without them.
                {status_counts
                    .into_iter()
                    .filter(|(_, n)| counts_capped || *n > 0)
                    .map(|(status, n)| {
                        let selected = current("status") == status.as_str();
                        let label = if counts_capped { status.label().to_string() } else { format!("{} ({n})", status.label()) };
                        view! {
                            <a href=link_with("status", status.as_str()) aria-current=selected.then_some("page")>
                                {label}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <FilterForm severities services incident_types />
            <p class="muted" role="status">{crate::domain::incident::count_label(total)}</p>
            {if rows.is_empty() && !filtered {
                view! {
                    <div class="card empty-state">
                        <p class="empty-title">"No incidents yet"</p>
                        <p>"When something goes wrong, declare an incident: Quell pages the on-call and keeps one timeline for everyone."</p>
                    </div>
                }
                .into_any()
            } else if rows.is_empty() {
                view! {
                    <div class="card empty-state">
                        <p class="empty-title">"No incidents match"</p>
                        <p>"Try fewer filters, or declare an incident if something is wrong."</p>
                    </div>
                }
                .into_any()
            } else {
                view! { <IncidentTable rows /> }.into_any()
            }}
            <nav class="pagination" aria-label="Pagination">
                {has_cursor.then(|| view! { <a href=link_with("cursor", "")>"First page"</a> })}
                {next_cursor.map(|cursor| view! { <a href=link_with("cursor", &cursor) rel="next">"Next page"</a> })}
            </nav>
        </section>
    }
}

#[component]
fn OpenIncidentItem(row: IncidentRow) -> impl IntoView {
    view! {
        <li class="open-item">
            <SeverityBadge name=row.severity_name rank=row.severity_rank />
            <StatusBadge status=row.status />
            <a href=format!("/incidents/{}", row.id)>
                <span class="reference">{reference(row.id)}</span>
                " "
                {row.title}
            </a>
            {row.is_drill.then(|| view! { <span class="badge drill">"Drill"</span> })}
            <span class="muted">
                {row.commander.map(|c| format!("Commander: {c} · ")).unwrap_or_default()}
                {row.declared_ago}
            </span>
        </li>
    }
}

/// The list's filters, behind "Filters (n)" with the sort (the search is always shown).
const FILTERS: [&str; 8] = ["status", "severity", "service", "incident_type", "mine", "drill", "from", "to"];

#[component]
fn FilterForm(severities: Vec<crate::domain::catalog::Severity>, services: Vec<(i64, String)>, incident_types: Vec<(i64, String)>) -> impl IntoView {
    let query = use_query_map();
    let current = move |name: &str| query.with_untracked(|q| q.get(name).unwrap_or_default());
    // Filters have no errors of their own: a bad value is simply not applied.
    let no_error = Signal::stored(None);
    let choice = move |name: &'static str, label: &'static str, options: Vec<(String, String)>| {
        view! { <SelectField label name error=no_error options selected=current(name) id_prefix="filter" /> }
    };
    let any = |label: &str| (String::new(), label.to_string());
    let mut status_options = vec![any("Any status"), ("open".into(), "Open".into()), ("ended".into(), "Ended".into())];
    status_options.extend(Status::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())));
    let mut severity_options = vec![any("Any severity")];
    severity_options.extend(severities.into_iter().map(|s| (s.id.to_string(), s.name)));
    let mut service_options = vec![any("Any service")];
    service_options.extend(services.into_iter().map(|(id, name)| (id.to_string(), name)));
    let mut type_options = vec![any("Any type")];
    type_options.extend(incident_types.into_iter().map(|(id, name)| (id.to_string(), name)));
    let date = move |name: &'static str, label: &'static str| {
        let id = format!("filter-{name}");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id type="date" name=name value=current(name) />
            </div>
        }
    };
    let search_value = current("q");
    let applied = FILTERS.iter().filter(|name| !current(name).is_empty()).count();
    let summary = if applied == 0 { "Filters".to_string() } else { format!("Filters ({applied})") };
    view! {
        <Form method="GET" action="/incidents" attr:class="filter-form" attr:aria-label="Filter incidents">
            <div class="field search-field">
                <label for="filter-q">"Search"</label>
                <input id="filter-q" type="search" name="q" value=search_value placeholder="Title, summary or INC-42" />
            </div>
            // Folded so that the list comes first (on a phone, the filters took a screen and a half);
            // the summary counts the filters in force.
            <details class="filter-more">
                <summary class="button">{summary}</summary>
                <div class="filter-grid">
                    {choice("sort", "Sort by", vec![("newest".into(), "Newest first".into()), ("oldest".into(), "Oldest first".into()), ("severity".into(), "Most severe first".into())])}
                    {choice("status", "Status", status_options)}
                    {choice("severity", "Severity", severity_options)}
                    {choice("service", "Service", service_options)}
                    {choice("incident_type", "Type", type_options)}
                    {choice("mine", "Role holder", vec![any("Anyone"), ("true".into(), "Me".into())])}
                    {choice("drill", "Drills", vec![any("Drills and real"), ("false".into(), "Real only".into()), ("true".into(), "Drills only".into())])}
                    {date("from", "Declared from")}
                    {date("to", "Declared until")}
                </div>
            </details>
            <div class="filter-actions">
                <button type="submit" class="button">"Apply filters"</button>
                <a href="/incidents">"Clear"</a>
            </div>
        </Form>
    }
}

#[component]
fn IncidentTable(rows: Vec<IncidentRow>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data-table incidents-table">
                <thead>
                    <tr>
                        <th scope="col">"Incident"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Severity"</th>
                        <th scope="col">"Services"</th>
                        <th scope="col">"Commander"</th>
                        <th scope="col">"Declared"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|row| {
                            view! {
                                <tr class:open-row=row.status.is_open()>
                                    <th scope="row">
                                        <a class="cell-title" href=format!("/incidents/{}", row.id)>
                                            <span class="reference">{reference(row.id)}</span>
                                            " "
                                            {row.title}
                                        </a>
                                        {row.is_drill.then(|| view! { <span class="badge drill">"Drill"</span> })}
                                        {row.incident_type_name.map(|t| view! { <span class="cell-sub">{t}</span> })}
                                    </th>
                                    // data-label: the column's name beside the value when rows wrap on a phone.
                                    <td data-label="Status"><StatusBadge status=row.status /></td>
                                    <td data-label="Severity"><SeverityBadge name=row.severity_name rank=row.severity_rank /></td>
                                    <td data-label="Services">{if row.services.is_empty() { "—".to_string() } else { row.services.join(", ") }}</td>
                                    <td data-label="Commander">{row.commander.unwrap_or_else(|| "—".to_string())}</td>
                                    <td data-label="Declared">
                                        <span class="cell-title">{row.declared_ago}</span>
                                        <span class="cell-sub">{row.declared}</span>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn DeclarePage() -> impl IntoView {
    let form = Resource::new(|| (), |_| get_declare_form());
    let body = crate::components::plain::PageBody::new();
    view! {
        <PageTitle text="Declare an incident · Quell" />
        <RequireUser permission=Permission::Respond>
            <p><A href="/incidents">"← Incidents"</A></p>
            <h1>"Declare an incident"</h1>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || body.show(move || form.get(), |form| view! { <DeclareFormView form /> })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn DeclareFormView(form: DeclareForm) -> impl IntoView {
    let declare = FormAction::new::<DeclareIncident>();
    crate::components::session::load_page_after(declare);
    let error = declare.error();
    let DeclareForm { severities, incident_types, services, people, viewer_id, paging } = form;
    // What the form says so far, for showing whom declaring pages.
    let chosen_severity = RwSignal::new(0_i64);
    let chosen_type = RwSignal::new(0_i64);
    let affected = RwSignal::new(Vec::<i64>::new());
    let on_choice = move |ev: leptos::ev::Event| {
        use leptos::wasm_bindgen::JsCast;
        let Some(target) = ev.target() else { return };
        let name = target.unchecked_into::<leptos::web_sys::Element>().get_attribute("name").unwrap_or_default();
        let value = event_target_value(&ev).parse::<i64>().unwrap_or(0);
        match name.as_str() {
            "severity_id" => chosen_severity.set(value),
            "incident_type_id" => chosen_type.set(value),
            name if name.starts_with("service_ids[") => {
                let on = event_target_checked(&ev);
                affected.update(|ids| {
                    ids.retain(|id| *id != value);
                    if on {
                        ids.push(value);
                    }
                });
            }
            _ => {}
        }
    };
    let type_defaults: Vec<(i64, Option<i64>)> = incident_types.iter().map(|t| (t.id, t.default_severity_id)).collect();
    let severity_rules: Vec<(i64, String, bool)> = severities.iter().map(|s| (s.id, s.name.clone(), s.pages_on_declare)).collect();
    // The severity the incident gets: the chosen one, or the type's default.
    let effective_severity = Signal::derive(move || {
        let chosen = chosen_severity.get();
        let default = type_defaults.iter().find(|(id, _)| *id == chosen_type.get()).and_then(|(_, d)| *d);
        let id = if chosen > 0 { Some(chosen) } else { default };
        id.and_then(|id| severity_rules.iter().find(|(s, ..)| *s == id).cloned())
    });
    let paging_rule = {
        let names: Vec<&str> = severities.iter().filter(|s| s.pages_on_declare).map(|s| s.name.as_str()).collect();
        if names.is_empty() {
            "No severity pages on declaring: page from the incident's Paging card.".to_string()
        } else {
            format!("Declaring at {} pages the on-call of the affected services that have an escalation policy.", names.join(" or "))
        }
    };
    let mut severity_options = vec![("0".to_string(), "Choose a severity".to_string())];
    severity_options.extend(severities.iter().map(|s| (s.id.to_string(), format!("{} — {}", s.name, s.description))));
    let mut type_options = vec![("0".to_string(), "No type".to_string())];
    type_options.extend(incident_types.iter().map(|t| {
        let default = t.default_severity_id.and_then(|id| severities.iter().find(|s| s.id == id));
        let label = match default {
            Some(severity) => format!("{} (default {})", t.name, severity.name),
            None => t.name.clone(),
        };
        (t.id.to_string(), label)
    }));
    let commander_options: Vec<(String, String)> = people
        .iter()
        .map(|p| (p.id.to_string(), if p.id == viewer_id { format!("{} (you)", p.name) } else { p.name.clone() }))
        .collect();
    view! {
        <section class="card">
            <PostForm action=declare attr:class="stack-form">
                <FormError error fields=&["title", "severity_id", "incident_type_id", "service_ids", "summary", "commander_id"] />
                <Field label="Title" name="title" error hint="What is wrong, in a few words: “Checkout fails for card payments”." />
                <div class="declare-choices" on:change=on_choice>
                <SelectField
                    label="Severity"
                    name="severity_id"
                    error
                    options=severity_options
                    selected="0"
                    hint="Leave it to the type's default severity, if the type has one."
                />
                <SelectField label="Type" name="incident_type_id" error options=type_options selected="0" />
                <MultiCheck
                    legend="Affected services"
                    name="service_ids"
                    error
                    options=services
                    empty="No services yet: an admin adds them under Settings → Services."
                />
                </div>
                <DeclarePagingField paging effective_severity affected paging_rule />
                <TextArea label="Summary" name="summary" error hint="What do we know so far? Markdown is fine." rows=5 />
                <SelectField
                    label="Incident commander"
                    name="commander_id"
                    error
                    options=commander_options
                    selected=viewer_id.to_string()
                    hint="Leads the response. You, unless you choose someone else."
                />
                <CheckboxField label="This is a drill" name="is_drill" hint="Drills are practice: they are kept out of metrics and the status page." />
                <SubmitButton label="Declare incident" pending_label="Declaring…" pending=declare.pending().into() />
            </PostForm>
        </section>
    }
}

/// Whom declaring pages: before the page is hydrated, the rule in words (the server applies
/// it); after, one ticked box per affected service's policy, with who is on call there now, that
/// the declarer can untick.
#[component]
fn DeclarePagingField(
    paging: Vec<crate::api::incidents::DeclarePaging>,
    effective_severity: Signal<Option<(i64, String, bool)>>,
    affected: RwSignal<Vec<i64>>,
    paging_rule: String,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    let paging = StoredValue::new(paging);
    let choices = move || {
        let severity = effective_severity.get();
        let pages = severity.as_ref().is_some_and(|(_, _, pages)| *pages);
        let shown: Vec<(usize, crate::api::incidents::DeclarePaging)> = paging.with_value(|all| {
            all.iter().enumerate().filter(|(_, p)| affected.with(|a| a.contains(&p.service_id))).map(|(n, p)| (n, p.clone())).collect()
        });
        let intro = match (&severity, shown.is_empty()) {
            (_, true) => "Nobody is paged: none of the affected services has an escalation policy.".to_string(),
            (Some((_, name, true)), false) => format!("Declaring at {name} pages these; untick any you don't want to page."),
            (Some((_, name, false)), false) => format!("Declaring at {name} pages nobody; tick any you want to page."),
            (None, false) => "Choose a severity to see whom declaring pages.".to_string(),
        };
        view! {
            <p class="field-hint">{intro}</p>
            {shown.into_iter().map(|(n, choice)| {
                let id = format!("page-service-{}", choice.service_id);
                let hint_id = format!("{id}-hint");
                let now = if choice.first_level.is_empty() {
                    "Nobody is on call at its first level now.".to_string()
                } else {
                    format!("Pages now: {}", choice.first_level.join(", "))
                };
                view! {
                    <div class="field checkbox-field">
                        <input type="checkbox" id=id.clone() name=format!("page_service_ids[{n}]") value=choice.service_id
                            checked=pages aria-describedby=hint_id.clone() />
                        <label for=id>{format!("Page {}", choice.target_name)}</label>
                        <p class="field-hint" id=hint_id>{now}</p>
                    </div>
                }
            }).collect_view()}
        }
    };
    view! {
        <fieldset class="field declare-paging">
            <legend>"Paging"</legend>
            <input type="hidden" name="paging_chosen" value=move || if hydrated.get() { "true" } else { "false" } />
            <Show when=move || hydrated.get() fallback=move || view! { <p class="field-hint">{paging_rule.clone()}</p> }>
                {choices}
            </Show>
        </fieldset>
    }
}
