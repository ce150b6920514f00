//! The settings index.

use crate::components::layout::RequireUser;
use crate::components::session::use_session;
use crate::domain::permissions::Permission;
use leptos::prelude::*;
use crate::components::title::PageTitle;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let session = use_session();
    view! {
        <PageTitle text="Settings · Quell" />
        <RequireUser>
            <h1>"Settings"</h1>
            <UnreachableCard />
            <ul class="card-grid">
                <li class="card">
                    <a href="/settings/profile">"Your profile"</a>
                    <p>"Name, time zone and password."</p>
                </li>
                <li class="card">
                    <a href="/settings/notifications">"Notifications"</a>
                    <p>"What you follow by email; for admins, webhooks and the delivery log."</p>
                </li>
                <li class="card">
                    <a href="/settings/severities">"Severities"</a>
                    <p>"How bad an incident is, worst first."</p>
                </li>
                <li class="card">
                    <a href="/settings/services">"Services"</a>
                    <p>"The catalog of what you run; incidents affect services."</p>
                </li>
                <li class="card">
                    <a href="/settings/role-types">"Incident roles"</a>
                    <p>"Commander, communications lead, scribe and your own roles, with checklists."</p>
                </li>
                <li class="card">
                    <a href="/settings/post-mortem-templates">"Post-mortem templates"</a>
                    <p>"The sections a new post-mortem starts with, and the approvals it needs."</p>
                </li>
                <li class="card">
                    <a href="/settings/incident-types">"Incident types"</a>
                    <p>"Optional kinds of incident, with a default severity."</p>
                </li>
                {move || {
                    session
                        .user()
                        .filter(|user| user.role.allows(Permission::ManageUsers))
                        .map(|_| {
                            view! {
                                <li class="card">
                                    <a href="/settings/users">"Users"</a>
                                    <p>"Add people, change roles, deactivate accounts."</p>
                                </li>
                            }
                        })
                }}
            </ul>
        </RequireUser>
    }
}

/// Who can't be paged: active people without a contact method.
#[component]
fn UnreachableCard() -> impl IntoView {
    let loaded = Resource::new(|| (), |_| crate::api::contacts::unreachable_people());
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Checking who can be reached…"</p> }>
            {move || loaded.get().map(|result| match result {
                Ok((_, 0)) => view! { <p class="form-success">"Everyone can be reached: each person has a contact method."</p> }.into_any(),
                Ok((people, total)) => {
                    let more = total - people.len() as i64;
                    view! {
                        <section class="card warning-card" aria-labelledby="unreachable-title">
                            <h2 id="unreachable-title">{format!("Can't be paged ({total})")}</h2>
                            <p>"These people have no contact method, so pages and hand-off notices don't reach them. Each adds one on their profile."</p>
                            <ul class="unreachable-people">
                                {people.into_iter().map(|p| view! { <li>{p.name}</li> }).collect_view()}
                            </ul>
                            {(more > 0).then(|| view! { <p class="muted">{format!("and {more} more")}</p> })}
                        </section>
                    }.into_any()
                }
                Err(error) => view! { <crate::components::errors::AppErrorView error /> }.into_any(),
            })}
        </Transition>
    }
}
