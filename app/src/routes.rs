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
use leptos_router::{path, Lazy, SsrMode};

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
                    <Route path=path!("/") view={Lazy::<HomeRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/setup") view={Lazy::<SetupRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/incidents") view={Lazy::<IncidentsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/incidents/declare") view={Lazy::<DeclareRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/incidents/:id") view={Lazy::<IncidentRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/on-call") view={Lazy::<OnCallRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/on-call/schedules/:id") view={Lazy::<ScheduleRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/on-call/policies") view={Lazy::<PoliciesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/on-call/policies/:id") view={Lazy::<PolicyRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/on-call/pages") view={Lazy::<PagesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/on-call/deleted") view={Lazy::<DeletedRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/post-mortems") view={Lazy::<PostMortemsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/post-mortems/:id") view={Lazy::<PostMortemRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/action-items") view={Lazy::<ActionItemsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/action-items/:id") view={Lazy::<ActionItemRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/status-page") view={Lazy::<StatusPageSettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/profile") view={Lazy::<ProfileRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/notifications") view={Lazy::<NotificationsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/severities") view={Lazy::<SeveritiesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/services") view={Lazy::<ServicesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/role-types") view={Lazy::<RoleTypesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/post-mortem-templates") view={Lazy::<TemplatesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/incident-types") view={Lazy::<IncidentTypesRoute>::new()} ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}

/// The pages, for the lazy parts below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Page {
    Home, Setup, Login, Settings,
    Incidents,
    Declare, Incident,
    OnCall, Schedule, Policies, Policy, Pages, Deleted,
    Profile,
    PostMortems, PostMortem, ActionItems, ActionItem,
    Users, Notifications, Severities, Services, RoleTypes, IncidentTypes, StatusPageSettings, Templates,
}

// Pages come in lazy parts: the browser fetches a part of the wasm when one of its pages is first
// shown (the server names the part's files in the response, so they download beside the main part),
// and a first visit downloads only the shell and one part. `make build` cuts the wasm at these
// functions (.ci/wasm-split). Parts group pages that are used together; code several parts use
// goes into shared files, so more parts mean more, smaller files. Each part names its own pages;
// a page asked of the wrong part (a slip in the table below) shows "Page not found", not another
// page.

/// Signing in, the start page and the settings index.
#[leptos::lazy]
fn entry_pages(page: Page) -> AnyView {
    match page {
        Page::Setup => setup::SetupPage().into_any(),
        Page::Login => login::LoginPage().into_any(),
        Page::Settings => sections::SettingsPage().into_any(),
        Page::Home => home::HomePage().into_any(),
        _ => NotFound().into_any(),
    }
}

/// The incidents list, the page most visits start on.
#[leptos::lazy]
fn incident_list_pages(page: Page) -> AnyView {
    match page {
        Page::Incidents => incidents::IncidentsPage().into_any(),
        _ => NotFound().into_any(),
    }
}

/// One incident, and declaring one.
#[leptos::lazy]
fn incident_pages(page: Page) -> AnyView {
    match page {
        Page::Declare => incidents::DeclarePage().into_any(),
        Page::Incident => incident::IncidentPage().into_any(),
        _ => NotFound().into_any(),
    }
}

/// On-call: schedules, escalation policies and pages.
#[leptos::lazy]
fn on_call_pages(page: Page) -> AnyView {
    match page {
        Page::Schedule => schedules::SchedulePage().into_any(),
        Page::Policies => paging::PoliciesPage().into_any(),
        Page::Policy => paging::PolicyPage().into_any(),
        Page::Pages => paging::PagesPage().into_any(),
        Page::Deleted => paging::DeletedPage().into_any(),
        Page::OnCall => schedules::OnCallPage().into_any(),
        _ => NotFound().into_any(),
    }
}

/// One's own profile: contact methods, notification rules, password, calendar.
#[leptos::lazy]
fn profile_pages(page: Page) -> AnyView {
    match page {
        Page::Profile => profile::ProfilePage().into_any(),
        _ => NotFound().into_any(),
    }
}

/// Post-mortems and action items.
#[leptos::lazy]
fn post_mortem_pages(page: Page) -> AnyView {
    match page {
        Page::PostMortem => post_mortems::PostMortemPage().into_any(),
        Page::ActionItems => action_items::ActionItemsPage().into_any(),
        Page::ActionItem => action_items::ActionItemPage().into_any(),
        Page::PostMortems => post_mortems::PostMortemsPage().into_any(),
        _ => NotFound().into_any(),
    }
}

/// Administration: people, notifications, the catalog, post-mortem templates and the status page.
#[leptos::lazy]
fn settings_pages(page: Page) -> AnyView {
    match page {
        Page::Templates => post_mortems::TemplatesPage().into_any(),
        Page::Notifications => notifications::NotificationsPage().into_any(),
        Page::Severities => catalog::SeveritiesPage().into_any(),
        Page::Services => catalog::ServicesPage().into_any(),
        Page::RoleTypes => catalog::RoleTypesPage().into_any(),
        Page::IncidentTypes => catalog::IncidentTypesPage().into_any(),
        Page::StatusPageSettings => status_page::StatusPageSettingsPage().into_any(),
        Page::Users => users::UsersPage().into_any(),
        _ => NotFound().into_any(),
    }
}

/// A route per page, shown by its part. `data` has the server name the part's files in the
/// response; `preload` fetches the part before the router shows the
/// page, so that hydration finds the page ready (`#[leptos::lazy]` names the fetch
/// `__preload_<part>`; it exists in the browser only).
macro_rules! page_routes {
    ($($route:ident => $part:ident / $preload:ident ($page:ident),)*) => {$(
        struct $route;

        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                // Names the part's files to the browser with the page (`Link` header).
                #[cfg(feature = "ssr")]
                crate::assets::preload_part(stringify!($part));
                $route
            }

            async fn view(_: Self) -> AnyView {
                $part(Page::$page).await
            }

            async fn preload() {
                #[cfg(feature = "hydrate")]
                $preload().await;
            }
        }
    )*};
}

page_routes! {
    HomeRoute => entry_pages / __preload_entry_pages(Home),
    SetupRoute => entry_pages / __preload_entry_pages(Setup),
    LoginRoute => entry_pages / __preload_entry_pages(Login),
    SettingsRoute => entry_pages / __preload_entry_pages(Settings),
    IncidentsRoute => incident_list_pages / __preload_incident_list_pages(Incidents),
    DeclareRoute => incident_pages / __preload_incident_pages(Declare),
    IncidentRoute => incident_pages / __preload_incident_pages(Incident),
    OnCallRoute => on_call_pages / __preload_on_call_pages(OnCall),
    ScheduleRoute => on_call_pages / __preload_on_call_pages(Schedule),
    PoliciesRoute => on_call_pages / __preload_on_call_pages(Policies),
    PolicyRoute => on_call_pages / __preload_on_call_pages(Policy),
    PagesRoute => on_call_pages / __preload_on_call_pages(Pages),
    DeletedRoute => on_call_pages / __preload_on_call_pages(Deleted),
    ProfileRoute => profile_pages / __preload_profile_pages(Profile),
    PostMortemsRoute => post_mortem_pages / __preload_post_mortem_pages(PostMortems),
    PostMortemRoute => post_mortem_pages / __preload_post_mortem_pages(PostMortem),
    ActionItemsRoute => post_mortem_pages / __preload_post_mortem_pages(ActionItems),
    ActionItemRoute => post_mortem_pages / __preload_post_mortem_pages(ActionItem),
    TemplatesRoute => settings_pages / __preload_settings_pages(Templates),
    UsersRoute => settings_pages / __preload_settings_pages(Users),
    NotificationsRoute => settings_pages / __preload_settings_pages(Notifications),
    SeveritiesRoute => settings_pages / __preload_settings_pages(Severities),
    ServicesRoute => settings_pages / __preload_settings_pages(Services),
    RoleTypesRoute => settings_pages / __preload_settings_pages(RoleTypes),
    IncidentTypesRoute => settings_pages / __preload_settings_pages(IncidentTypes),
    StatusPageSettingsRoute => settings_pages / __preload_settings_pages(StatusPageSettings),
}
