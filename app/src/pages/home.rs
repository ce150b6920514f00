//! The home page: where a signed-in person starts.

use crate::components::layout::{RequireUser, SECTIONS};
use crate::components::session::use_session;
use crate::domain::permissions::Permission;
use leptos::prelude::*;
use crate::components::title::PageTitle;

#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    view! {
        <PageTitle text="Home · Quell" />
        <RequireUser>
            {move || {
                session
                    .user()
                    .map(|user| {
                        let is_admin = user.role.allows(Permission::ManageUsers);
                        view! {
                            <h1>"Welcome, " {user.display_name.clone()}</h1>
                            <Show when=move || is_admin>
                                <section class="card callout" aria-labelledby="first-steps">
                                    <h2 id="first-steps">"First steps"</h2>
                                    <p>
                                        "Add the people who respond to incidents, and choose their roles: "
                                        "responders run incidents, viewers follow along."
                                    </p>
                                    <p><a class="button primary" href="/settings/users">"Add people"</a></p>
                                </section>
                            </Show>
                            <section aria-labelledby="areas">
                                <h2 id="areas">"Areas"</h2>
                                <ul class="card-grid">
                                    {SECTIONS
                                        .iter()
                                        .map(|(href, label)| view! { <li class="card"><a href=*href>{*label}</a></li> })
                                        .collect_view()}
                                </ul>
                            </section>
                        }
                    })
            }}
        </RequireUser>
    }
}
