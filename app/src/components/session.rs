//! Who is looking at the page, shared by every component through context.

use crate::api::auth::{get_session_info, SessionInfo};
use crate::domain::account::User;
use crate::errors::AppError;
use leptos::prelude::*;
use crate::components::post_form::FormAction;

/// The visitor's session, loaded once per page load. Anything that changes it (signing in or
/// out, editing one's own account) ends by loading a page anew (`load_page`), so it is never
/// stale and never reloaded underneath the components that depend on it.
#[derive(Clone, Copy)]
pub struct SessionContext {
    pub info: Resource<Result<SessionInfo, AppError>>,
}

impl SessionContext {
    pub fn provide() -> SessionContext {
        let info = Resource::new(|| (), |_| get_session_info());
        let context = SessionContext { info };
        provide_context(context);
        context
    }

    /// The signed-in user once the session has loaded (tracks the resource; use inside Suspense).
    pub fn user(&self) -> Option<User> {
        self.info.get().and_then(Result::ok).and_then(|info| info.user)
    }
}

pub fn use_session() -> SessionContext {
    expect_context::<SessionContext>()
}

/// Loads `path` as a new page (not a client-side navigation), so that everything is rendered
/// afresh by the server for the session that just changed. Used after signing in or out.
pub fn load_page(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Loads the page a successful authentication action names (see `load_page`).
pub fn load_page_after(action: FormAction) {
    Effect::new(move |_| {
        if let Some(target) = action.output::<String>() {
            load_page(&target);
        }
    });
}
