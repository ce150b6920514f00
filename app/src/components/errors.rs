//! Error pages (404, 403, 500) in the normal layout, and the view of a failed data load.

use crate::errors::AppError;
use leptos::prelude::*;
use crate::components::title::PageTitle;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

/// Sets the HTTP status of the page being rendered on the server (no-op in the browser).
pub fn set_page_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}

#[component]
pub fn ErrorPage(status: u16, title: &'static str, message: String) -> impl IntoView {
    set_page_status(status);
    view! {
        <PageTitle text=format!("{title} · Quell") />
        <section class="error-page" aria-labelledby="error-title">
            <p class="error-code">{status}</p>
            <h1 id="error-title">{title}</h1>
            <p>{message}</p>
            <p><a class="button" href="/">"Go to the home page"</a></p>
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <ErrorPage
            status=404
            title="Page not found"
            message="There is nothing at this address. Check the link, or start again from the home page.".to_string()
        />
    }
}

/// What a page shows when loading its data failed: a redirect to sign-in when signed out, an
/// error page otherwise.
#[component]
pub fn AppErrorView(error: AppError) -> impl IntoView {
    match error {
        AppError::Unauthenticated => {
            let location = use_location();
            let next = location.pathname.get_untracked();
            view! { <Redirect path=format!("/login?next={}", crate::domain::text::urlencode(&next)) /> }.into_any()
        }
        AppError::Forbidden => view! {
            <ErrorPage
                status=403
                title="Not allowed"
                message="Your role doesn't give you access to this page. Ask an admin if you need it.".to_string()
            />
        }
        .into_any(),
        AppError::NotFound { .. } => view! { <NotFound /> }.into_any(),
        other => view! { <ErrorPage status=other.status_code() title="Something went wrong" message=other.to_string() /> }
            .into_any(),
    }
}
