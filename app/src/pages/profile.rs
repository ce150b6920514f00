//! A person's own profile: display name, time zone, password.

use crate::api::profile::{get_profile, ChangePassword, Profile, UpdateProfile};
use crate::components::errors::AppErrorView;
use crate::components::form::{action_error, Field, FormError, SelectField, SubmitButton};
use crate::components::layout::RequireUser;
use crate::components::session::load_page_after;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Whether the page was reached after saving `what`: both forms end by loading
/// `/settings/profile?saved=…` (a redirect without JavaScript, a page load with it).
fn saved_flag(what: &'static str) -> Signal<bool> {
    let query = use_query_map();
    Signal::derive(move || query.with(|q| q.get("saved").as_deref() == Some(what)))
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let update = ServerAction::<UpdateProfile>::new();
    load_page_after(update);
    let profile = Resource::new(|| (), |_| get_profile());
    view! {
        <Title text="Your profile · Quell" />
        <RequireUser>
            <h1>"Your profile"</h1>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || {
                    profile
                        .get()
                        .map(|loaded| match loaded {
                            Ok(profile) => view! { <ProfileForm profile update /> }.into_any(),
                            Err(error) => view! { <AppErrorView error /> }.into_any(),
                        })
                }}
            </Transition>
            <PasswordForm />
        </RequireUser>
    }
}

#[component]
fn ProfileForm(profile: Profile, update: ServerAction<UpdateProfile>) -> impl IntoView {
    let error = action_error(update);
    let saved = saved_flag("profile");
    let Profile { user, time_zones } = profile;
    let options = time_zones.into_iter().map(|zone| (zone.clone(), zone)).collect();
    view! {
        <section class="card" aria-labelledby="profile-title">
            <h2 id="profile-title">"Details"</h2>
            <p class="muted">{format!("Signed in as {} ({})", user.email, user.role.label())}</p>
            <ActionForm action=update>
                <FormError error fields=&["display_name", "time_zone"] />
                <Field label="Name" name="display_name" autocomplete="name" value=user.display_name.clone() error />
                <SelectField
                    label="Time zone"
                    name="time_zone"
                    error
                    options
                    selected=user.time_zone.clone()
                    hint="Times in Quell are shown to you in this zone."
                />
                <input type="hidden" name="revision" value=user.revision />
                <SubmitButton label="Save profile" pending_label="Saving…" pending=update.pending().into() />
                <Show when=move || saved.get()>
                    <p class="form-success" role="status">"Profile saved."</p>
                </Show>
            </ActionForm>
        </section>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    load_page_after(change);
    let error = action_error(change);
    let changed = saved_flag("password");
    view! {
        <section class="card" aria-labelledby="password-title">
            <h2 id="password-title">"Password"</h2>
            <ActionForm action=change>
                <FormError error fields=&["current_password", "new_password", "new_password_confirmation"] />
                <Field label="Current password" name="current_password" kind="password" autocomplete="current-password" error />
                <Field
                    label="New password"
                    name="new_password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 12 characters."
                    error
                />
                <Field
                    label="Confirm new password"
                    name="new_password_confirmation"
                    kind="password"
                    autocomplete="new-password"
                    error
                />
                <SubmitButton label="Change password" pending_label="Changing…" pending=change.pending().into() />
                <Show when=move || changed.get()>
                    <p class="form-success" role="status">"Password changed. Your other sessions have been signed out."</p>
                </Show>
            </ActionForm>
        </section>
    }
}
