//! The sign-in page.

use crate::api::auth::Login;
use crate::components::form::{Field, FormError, SubmitButton};
use crate::components::session::load_page_after;
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};
use crate::components::title::PageTitle;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = FormAction::new::<Login>();
    let error = login.error();
    load_page_after(login);
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next").unwrap_or_default());
    view! {
        <PageTitle text="Sign in · Quell" />
        <section class="auth-card" aria-labelledby="login-title">
            <h1 id="login-title">"Sign in to Quell"</h1>
            <PostForm action=login>
                <FormError error fields=&["email", "password"] />
                <Field label="Email" name="email" kind="email" autocomplete="username" error />
                <Field label="Password" name="password" kind="password" autocomplete="current-password" error />
                <input type="hidden" name="next" value=next />
                <SubmitButton label="Sign in" pending_label="Signing in…" pending=login.pending().into() />
            </PostForm>
            <p class="muted">"Forgot your password? Ask an admin of your Quell to reset it."</p>
        </section>
    }
}
