//! The frame around every page: skip link, header with navigation, account menu, theme switch.

use super::session::use_session;
use crate::api::auth::Logout;
use crate::api::preferences::SetTheme;
use crate::domain::account::User;
use crate::domain::permissions::Permission;
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};
use leptos_router::components::{Redirect, A};
use leptos_router::hooks::use_location;

/// The sections of Quell, in navigation order.
pub const SECTIONS: [(&str, &str); 6] = [
    ("/incidents", "Incidents"),
    ("/on-call", "On-call"),
    ("/post-mortems", "Post-mortems"),
    ("/action-items", "Action items"),
    ("/status-page", "Status page"),
    ("/settings", "Settings"),
];

/// Its children (the router's `Routes`) stay typed: an erased view there would hydrate them
/// synchronously, before a lazy page's code has loaded (frontend/vendor/tachys/README.md).
#[component]
pub fn Layout<C: IntoView + 'static>(children: TypedChildren<C>) -> impl IntoView {
    let children = children.into_inner();
    let session = use_session();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                "Quell"
            </a>
            <Transition fallback=|| ()>
                {move || session.user().map(|user| view! {
                    // On a phone the navigation and the account fold into a menu (a popover: it
                    // opens without JavaScript, closes with Escape or a tap outside); wider, the
                    // menu's box disappears and they sit in the header.
                    <button type="button" class="button small menu-toggle" popovertarget="site-menu" aria-controls="site-menu">"Menu"</button>
                    <div id="site-menu" class="site-menu" popover="auto">
                        <MainNav />
                        <AccountMenu user />
                    </div>
                })}
            </Transition>
            <ThemeSwitch />
        </header>
        <main id="main" tabindex="-1">{children()}</main>
        <footer class="site-footer">
            <span class="muted">"Quell"</span>
        </footer>
    }
}

#[component]
fn MainNav() -> impl IntoView {
    // Following a link inside the open menu navigates without a page load: close the menu then.
    let close_menu = move |_: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(menu) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("site-menu")) {
                let hide = web_sys::js_sys::Reflect::get(&menu, &"hidePopover".into()).ok().and_then(|f| f.dyn_into::<web_sys::js_sys::Function>().ok());
                if let Some(hide) = hide {
                    // Throws only when the menu isn't open (wide screens): nothing to do then.
                    let _ = hide.call0(&menu);
                }
            }
        }
    };
    view! {
        <nav class="main-nav" aria-label="Main" on:click=close_menu>
            <ul>
                {SECTIONS
                    .iter()
                    .map(|(href, label)| view! { <li><A href=*href>{*label}</A></li> })
                    .collect_view()}
            </ul>
        </nav>
    }
}

#[component]
fn AccountMenu(user: User) -> impl IntoView {
    let logout = FormAction::new::<Logout>();
    super::session::load_page_after(logout);
    view! {
        <div class="account">
            <A href="/settings/profile" attr:class="account-name">
                <span class="visually-hidden">"Your profile: "</span>
                {user.display_name}
            </A>
            <span class="role-badge">{user.role.label()}</span>
            <PostForm action=logout attr:class="inline-form">
                <button type="submit" class="button link">"Sign out"</button>
            </PostForm>
        </div>
    }
}

/// Light, dark, or follow the system, in the header. Without JavaScript a plain form with an
/// Apply button; with it, choosing is enough and the page changes colour without reloading.
#[component]
fn ThemeSwitch() -> impl IntoView {
    let set_theme = FormAction::new::<SetTheme>();
    Effect::new(move |_| {
        if let Some(theme) = set_theme.output::<String>() {
            #[cfg(feature = "hydrate")]
            if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
                let _ = root.set_attribute("data-theme", &theme);
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = theme;
        }
    });
    let current = current_theme();
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    let form: NodeRef<leptos::html::Form> = NodeRef::new();
    view! {
        <PostForm action=set_theme node_ref=form attr:class="theme-form">
            <label for="theme">"Theme"</label>
            <select id="theme" name="theme" on:change=move |_| {
                if let Some(form) = form.get() {
                    let _ = form.request_submit();
                }
            }>
                {[("system", "System"), ("light", "Light"), ("dark", "Dark")]
                    .into_iter()
                    .map(|(value, label)| view! { <option value=value selected=value == current>{label}</option> })
                    .collect_view()}
            </select>
            <button type="submit" class="button small" hidden=move || hydrated.get()>"Apply"</button>
        </PostForm>
    }
}

/// Shows its children to signed-in people who may do `permission`; sends others to sign in.
#[component]
pub fn RequireUser(#[prop(default = Permission::View)] permission: Permission, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || {
                session
                    .info
                    .get()
                    .map(|info| match info.ok().and_then(|info| info.user) {
                        None => {
                            let next = location.pathname.get_untracked();
                            view! { <Redirect path=format!("/login?next={}", crate::domain::text::urlencode(&next)) /> }
                                .into_any()
                        }
                        Some(user) if !user.role.allows(permission) => {
                            view! { <super::errors::AppErrorView error=crate::errors::AppError::Forbidden /> }.into_any()
                        }
                        Some(_) => children.with_value(|children| children()).into_any(),
                    })
            }}
        </Suspense>
    }
}

/// The theme the page was rendered with: from the cookie on the server, from the `<html>`
/// element (which the server rendered from the same cookie) in the browser.
fn current_theme() -> String {
    #[cfg(feature = "ssr")]
    return crate::api::preferences::theme_from_request().to_string();
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    return web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|root| root.get_attribute("data-theme"))
        .unwrap_or_else(|| "system".to_string());
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    "system".to_string()
}
