//! The post-mortems list: filters, search and pages.

use super::PostMortemStatusBadge;
use crate::api::post_mortems::{list_post_mortems, PostMortemsView};
use crate::components::form::SelectField;
use crate::components::layout::RequireUser;
use crate::components::pagination::Pagination;
use crate::domain::post_mortem::PostMortemStatus;
use crate::components::action_items::people_options;
use leptos::prelude::*;
use crate::components::title::PageTitle;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn PostMortemsPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |name: &str| query.with(|q| q.get(name).unwrap_or_default());
    let int = move |name: &str| get(name).parse::<i64>().unwrap_or(0);
    let data = Resource::new(
        move || (get("status"), int("owner"), int("severity"), int("service"), get("from"), get("to"), get("q"), int("page")),
        |(status, owner, severity, service, from, to, q, page)| list_post_mortems(status, owner, severity, service, from, to, q, page),
    );
    let body = crate::components::plain::PageBody::new();
    view! {
        <PageTitle text="Post-mortems · Quell" />
        <RequireUser>
            <h1>"Post-mortems"</h1>
            <p class="muted">"Blameless reviews of resolved incidents. Start one from a resolved incident's page."</p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading post-mortems…"</p> }>
                {move || body.show(move || data.get(), |view_data| view! { <PostMortemsBody data=view_data /> })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn PostMortemsBody(data: PostMortemsView) -> impl IntoView {
    let query = use_query_map();
    let current = move |name: &str| query.with_untracked(|q| q.get(name).unwrap_or_default());
    let no_error = Signal::stored(None);
    let any = |label: &str| (String::new(), label.to_string());
    let mut statuses = vec![any("Any status")];
    statuses.extend(PostMortemStatus::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())));
    let owners = people_options(&data.people, Some("Anyone"));
    let mut severities = vec![any("Any severity")];
    severities.extend(data.severities.iter().map(|(id, name)| (id.to_string(), name.clone())));
    let mut services = vec![any("Any service")];
    services.extend(data.services.iter().map(|(id, name)| (id.to_string(), name.clone())));
    let date = move |name: &'static str, label: &'static str| {
        let id = format!("filter-{name}");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id type="date" name=name value=current(name) />
            </div>
        }
    };
    let (page, pages, total) = (data.page, data.pages, data.total);
    view! {
        <Form method="GET" action="/post-mortems" attr:class="filter-form" attr:aria-label="Filter post-mortems">
            <div class="field search-field">
                <label for="filter-q">"Search"</label>
                <input id="filter-q" type="search" name="q" value=current("q") placeholder="Words in any section" />
            </div>
            <SelectField label="Status" name="status" error=no_error options=statuses selected=current("status") id_prefix="filter" />
            <SelectField label="Owner" name="owner" error=no_error options=owners selected=current("owner") id_prefix="filter" />
            <SelectField label="Severity" name="severity" error=no_error options=severities selected=current("severity") id_prefix="filter" />
            <SelectField label="Service" name="service" error=no_error options=services selected=current("service") id_prefix="filter" />
            {date("from", "Started from")}
            {date("to", "Started until")}
            <div class="filter-actions">
                <button type="submit" class="button">"Apply filters"</button>
                <a href="/post-mortems">"Clear"</a>
            </div>
        </Form>
        <p class="muted" role="status">{format!("{total} {}", if total == 1 { "post-mortem" } else { "post-mortems" })}</p>
        {if data.rows.is_empty() {
            view! {
                <div class="card empty-state">
                    <p class="empty-title">"No post-mortems match"</p>
                    <p>"Post-mortems are started from resolved incidents. Try fewer filters."</p>
                </div>
            }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="data-table">
                        <thead>
                            <tr>
                                <th scope="col">"Incident"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Owner"</th>
                                <th scope="col">"Severity"</th>
                                <th scope="col">"Action items"</th>
                                <th scope="col">"Started"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {data.rows.into_iter().map(|row| {
                                let pm = row.post_mortem;
                                view! {
                                    <tr>
                                        <td>
                                            <a href=format!("/post-mortems/{}", pm.id)>
                                                <span class="reference">{crate::domain::incident::reference(pm.incident_id)}</span>" "{pm.incident_title.clone()}
                                            </a>
                                        </td>
                                        <td><PostMortemStatusBadge status=pm.status /></td>
                                        <td>{pm.owner_name.clone()}</td>
                                        <td>{pm.severity_name.clone()}</td>
                                        <td>{row.completion.text()}</td>
                                        <td>{row.created.clone()}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <Pagination page pages base="/post-mortems" keep=&["q", "status", "owner", "severity", "service", "from", "to"] />
    }
}
