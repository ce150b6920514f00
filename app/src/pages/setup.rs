//! First run: create the first administrator. Exists only while nobody has done so.

use crate::api::auth::{get_setup_form, CreateFirstAdmin};
use crate::components::errors::{AppErrorView, NotFound};
use crate::components::form::{Field, FormError, SelectField, SubmitButton};
use crate::components::session::load_page_after;
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};
use crate::components::title::PageTitle;

#[component]
pub fn SetupPage() -> impl IntoView {
    let form = Resource::new(|| (), |_| get_setup_form());
    view! {
        <PageTitle text="Set up Quell" />
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || {
                form.get()
                    .map(|loaded| match loaded {
                        Ok(form) if form.setup_needed => view! { <SetupForm time_zones=form.time_zones /> }.into_any(),
                        Ok(_) => view! { <NotFound /> }.into_any(),
                        Err(error) => view! { <AppErrorView error /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn SetupForm(time_zones: Vec<String>) -> impl IntoView {
    let create = FormAction::new::<CreateFirstAdmin>();
    let error = create.error();
    load_page_after(create);
    let options = time_zones.into_iter().map(|zone| (zone.clone(), zone)).collect();
    view! {
        <section class="auth-card wide" aria-labelledby="setup-title">
            <h1 id="setup-title">"Create the first administrator"</h1>
            <p>
                "Welcome to Quell. This account will administer everything else: people, roles and settings. "
                "This page disappears once it exists."
            </p>
            <PostForm action=create>
                <FormError error fields=&["email", "display_name", "time_zone", "password", "password_confirmation"] />
                <Field label="Email" name="email" kind="email" autocomplete="username" error />
                <Field label="Name" name="display_name" autocomplete="name" error />
                <SelectField
                    label="Time zone"
                    name="time_zone"
                    error
                    options
                    selected="UTC"
                    hint="Times in Quell are shown to you in this zone."
                />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 12 characters."
                    error
                />
                <Field
                    label="Confirm password"
                    name="password_confirmation"
                    kind="password"
                    autocomplete="new-password"
                    error
                />
                <SubmitButton label="Create administrator" pending_label="Creating…" pending=create.pending().into() />
            </PostForm>
        </section>
    }
}
