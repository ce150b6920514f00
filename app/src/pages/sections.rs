//! Sections whose features have not arrived yet, and the settings index.

use crate::components::layout::RequireUser;
use crate::components::session::use_session;
use crate::domain::permissions::Permission;
use leptos::prelude::*;
use leptos_meta::Title;

/// An honest placeholder: the section exists in the navigation, but does nothing yet.
#[component]
pub fn ComingSoon(title: &'static str, summary: &'static str) -> impl IntoView {
    view! {
        <Title text=format!("{title} · Quell") />
        <RequireUser>
            <h1>{title}</h1>
            <section class="card empty-state" aria-label="Not available yet">
                <p class="empty-title">"Coming soon"</p>
                <p>{summary}</p>
                <p>"This section is not available in this version of Quell yet."</p>
            </section>
        </RequireUser>
    }
}

#[component]
pub fn PostMortemsPage() -> impl IntoView {
    view! { <ComingSoon title="Post-mortems" summary="Blameless reviews written after an incident, from draft to published." /> }
}

#[component]
pub fn ActionItemsPage() -> impl IntoView {
    view! { <ComingSoon title="Action items" summary="Follow-up work from incidents and post-mortems, with owners and deadlines, tracked until done." /> }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text="Settings · Quell" />
        <RequireUser>
            <h1>"Settings"</h1>
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
