//! The HTML shell and the route table.

use crate::components::errors::NotFound;
use crate::components::layout::Layout;
use crate::components::session::SessionContext;
use crate::pages::{action_items, catalog, home, incident, incidents, login, notifications, paging, post_mortems, profile, schedules, sections, setup, status_page, users};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos_meta::MetaTags;
use crate::components::title::PageTitle;
use leptos_meta::{provide_meta_context, Link, Meta};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The whole HTML document, rendered on the server. Sets the Content-Security-Policy with this
/// response's nonce, which Leptos also puts on its own inline scripts.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Taken before any of the page's data is read: see `crate::live`.
    let live_mark = crate::auth::app_state().ok().map(|state| state.live.mark().to_string());
    let theme = crate::api::preferences::theme_from_request();
    if let (Some(nonce), Some(response)) =
        (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    {
        if let Ok(value) = http::HeaderValue::from_str(&content_security_policy(&nonce)) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="stylesheet" href=crate::assets::stylesheet_href() />
                {live_mark.map(|mark| view! { <meta name=crate::live::MARK_META content=mark /> })}
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The policy for HTML pages: only our own scripts, styles and connections, plus inline scripts
/// carrying this response's nonce; WebAssembly may be compiled; nobody may frame us.
#[cfg(feature = "ssr")]
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    SessionContext::provide();
    view! {
        <Link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cpath d='M8 1l7 7-7 7-7-7z' fill='%23d9480f'/%3E%3C/svg%3E" />
        <Meta name="color-scheme" content="light dark" />
        <PageTitle text="Quell" />
        <Router>
            <Layout>
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/setup") view=setup::SetupPage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=login::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/incidents") view=incidents::IncidentsPage ssr=SsrMode::Async />
                    <Route path=path!("/incidents/declare") view=incidents::DeclarePage ssr=SsrMode::Async />
                    <Route path=path!("/incidents/:id") view=incident::IncidentPage ssr=SsrMode::Async />
                    <Route path=path!("/on-call") view=schedules::OnCallPage ssr=SsrMode::Async />
                    <Route path=path!("/on-call/schedules/:id") view=schedules::SchedulePage ssr=SsrMode::Async />
                    <Route path=path!("/on-call/policies") view=paging::PoliciesPage ssr=SsrMode::Async />
                    <Route path=path!("/on-call/policies/:id") view=paging::PolicyPage ssr=SsrMode::Async />
                    <Route path=path!("/on-call/pages") view=paging::PagesPage ssr=SsrMode::Async />
                    <Route path=path!("/on-call/deleted") view=paging::DeletedPage ssr=SsrMode::Async />
                    <Route path=path!("/post-mortems") view=post_mortems::PostMortemsPage ssr=SsrMode::Async />
                    <Route path=path!("/post-mortems/:id") view=post_mortems::PostMortemPage ssr=SsrMode::Async />
                    <Route path=path!("/action-items") view=action_items::ActionItemsPage ssr=SsrMode::Async />
                    <Route path=path!("/action-items/:id") view=action_items::ActionItemPage ssr=SsrMode::Async />
                    <Route path=path!("/status-page") view=status_page::StatusPageSettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/settings") view=sections::SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/profile") view=profile::ProfilePage ssr=SsrMode::Async />
                    <Route path=path!("/settings/users") view=users::UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/notifications") view=notifications::NotificationsPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/severities") view=catalog::SeveritiesPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/services") view=catalog::ServicesPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/role-types") view=catalog::RoleTypesPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/post-mortem-templates") view=post_mortems::TemplatesPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/incident-types") view=catalog::IncidentTypesPage ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}
