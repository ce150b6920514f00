//! A person's own profile: display name, time zone, password.

use crate::api::contacts::{
    list_contact_methods, AddContactMethod, AddNotificationRule, ContactSettings, RemoveContactMethod, RemoveNotificationRule,
    SendTestNotification,
};
use crate::api::profile::{get_profile, ChangePassword, Profile, UpdateProfile};
use crate::components::errors::AppErrorView;
use crate::components::form::{ConfirmSubmit, Field, FormError, SelectField, SubmitButton};
use crate::components::layout::RequireUser;
use crate::components::session::load_page_after;
use crate::domain::contact::{methods_without_rules, rule_delay_label, ContactKind, ContactMethod, NotificationRule};
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};
use crate::components::title::PageTitle;
use leptos_router::hooks::use_query_map;

/// Whether the page was reached after saving `what`: both forms end by loading
/// `/settings/profile?saved=…` (a redirect without JavaScript, a page load with it).
fn saved_flag(what: &'static str) -> Signal<bool> {
    let query = use_query_map();
    Signal::derive(move || query.with(|q| q.get("saved").as_deref() == Some(what)))
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let update = FormAction::new::<UpdateProfile>();
    load_page_after(update);
    let profile = Resource::new(|| (), |_| get_profile());
    let body = crate::components::plain::PageBody::new();
    view! {
        <PageTitle text="Your profile · Quell" />
        <RequireUser>
            <p><a href="/settings">"← Settings"</a></p>
            <h1>"Your profile"</h1>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || body.show(move || profile.get(), |profile| view! { <ProfileForm profile update /> })}
            </Transition>
            <OnCallCard />
            <ContactMethodsCard />
            <TestPageCard />
            <PasswordForm />
        </RequireUser>
    }
}

#[component]
fn ProfileForm(profile: Profile, update: FormAction) -> impl IntoView {
    let error = update.error();
    let saved = saved_flag("profile");
    let Profile { user, time_zones } = profile;
    let options = time_zones.into_iter().map(|zone| (zone.clone(), zone)).collect();
    view! {
        <section class="card" aria-labelledby="profile-title">
            <h2 id="profile-title">"Details"</h2>
            <p class="muted">{format!("Signed in as {} ({})", user.email, user.role.label())}</p>
            <PostForm action=update>
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
            </PostForm>
        </section>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let change = FormAction::new::<ChangePassword>();
    load_page_after(change);
    let error = change.error();
    let changed = saved_flag("password");
    view! {
        <section class="card" aria-labelledby="password-title">
            <h2 id="password-title">"Password"</h2>
            <PostForm action=change>
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
            </PostForm>
        </section>
    }
}

/// The person's on-call shift under way or next, from every schedule they are in.
#[component]
fn OnCallCard() -> impl IntoView {
    let next = Resource::new(|| (), |_| crate::api::schedules::my_next_shift());
    view! {
        <section class="card" aria-labelledby="on-call-title">
            <h2 id="on-call-title">"On call"</h2>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading your shifts…"</p> }>
                {move || next.get().map(|loaded| match loaded {
                    Ok(Some(sentence)) => view! { <p class="my-next-shift">{sentence}</p> }.into_any(),
                    Ok(None) => view! { <p class="empty-state">"You have no shift in the next 90 days."</p> }.into_any(),
                    Err(error) => view! { <crate::components::errors::AppErrorView error /> }.into_any(),
                })}
            </Transition>
            <p><a href="/on-call">"Schedules"</a></p>
        </section>
    }
}

/// How Quell reaches this person when they are paged or their shift is near, with a test
/// notification for each.
#[component]
fn ContactMethodsCard() -> impl IntoView {
    let add = FormAction::new::<AddContactMethod>();
    let remove = FormAction::new::<RemoveContactMethod>();
    let test = FormAction::new::<SendTestNotification>();
    let add_rule = FormAction::new::<AddNotificationRule>();
    let remove_rule = FormAction::new::<RemoveNotificationRule>();
    let added = add.successes();
    let removed = remove.successes();
    let (rule_added, rule_removed) = (add_rule.successes(), remove_rule.successes());
    let methods = Resource::new(
        move || (added.get(), removed.get(), rule_added.get(), rule_removed.get()),
        |_| list_contact_methods(),
    );
    let add_error = add.error();
    let add_form = add.reset_after_success();
    let other_error = Signal::derive(move || remove.error().get().or_else(|| test.error().get()));
    let tested = saved_flag("test");
    let test_sent = move || tested.get() || test.succeeded();
    let kinds: Vec<(String, String)> = ContactKind::ALL.iter().map(|k| (k.as_str().to_string(), k.label().to_string())).collect();
    view! {
        <section class="card" aria-labelledby="contact-title">
            <h2 id="contact-title">"Contact methods"</h2>
            <p class="muted">"How Quell reaches you when you are paged or your on-call shift is about to start."</p>
            <FormError error=other_error fields=&[] />
            <Show when=test_sent>
                <p class="form-success" role="status">"Test notification sent. The delivery log shows how it went."</p>
            </Show>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || methods.get().map(|loaded| match loaded {
                    Ok(ContactSettings { methods: list, .. }) if list.is_empty() => view! {
                        <p class="form-error" role="alert">"You can't be paged: you have no contact method. Add your email or a phone gateway below."</p>
                    }.into_any(),
                    Ok(ContactSettings { methods: list, rules }) => view! {
                        {(list.len() == 1).then(|| view! {
                            <p class="field-hint">"This is your only contact method: if you remove it, pages and hand-off notices won't reach you."</p>
                        })}
                        <ul class="contact-list">
                            {list.clone().into_iter().map(|method| {
                                let (to_label, remove_label) = (format!(" to {}", method.label), format!(" {}", method.label));
                                view! {
                                <li class="catalog-item">
                                    <div class="catalog-head">
                                        <span class="cell-title">{method.label.clone()}</span>
                                        <span class="cell-sub">{format!("{}: {}", method.kind.label(), method.target)}</span>
                                    </div>
                                    <PostForm action=test attr:class="inline-form">
                                        <input type="hidden" name="contact_method_id" value=method.id />
                                        <button type="submit" class="button small">"Send a test" <span class="visually-hidden">{to_label}</span></button>
                                    </PostForm>
                                    <PostForm action=remove attr:class="inline-form">
                                        <input type="hidden" name="contact_method_id" value=method.id />
                                        <button type="submit" class="button small">"Remove" <span class="visually-hidden">{remove_label}</span></button>
                                    </PostForm>
                                </li>
                            }}).collect_view()}
                        </ul>
                        <NotificationRules methods=list.clone() rules add=add_rule remove=remove_rule />
                    }.into_any(),
                    Err(error) => view! { <AppErrorView error /> }.into_any(),
                })}
            </Transition>
            <h3>"Add a contact method"</h3>
            <PostForm action=add node_ref=add_form attr:class="stack-form">
                <FormError error=add_error fields=&["kind", "label", "target"] />
                <SelectField label="Kind" name="kind" error=add_error options=kinds id_prefix="contact" />
                <Field label="Label" name="label" error=add_error id_prefix="contact" hint="Such as “Work email” or “Phone”." />
                <Field label="Address or URL" name="target" error=add_error id_prefix="contact"
                    hint="An email address, or a URL to call; {message} in it is replaced by the message (for SMS gateways)." />
                <SubmitButton label="Add contact method" pending_label="Adding…" pending=add.pending().into() />
            </PostForm>
        </section>
    }
}

/// When, after being paged, each contact method is used: the rules, a warning for methods no
/// rule uses, and the form for a new rule. Without rules every method is used at once.
#[component]
fn NotificationRules(
    methods: Vec<ContactMethod>,
    rules: Vec<NotificationRule>,
    add: FormAction,
    remove: FormAction,
) -> impl IntoView {
    let add_error = add.error();
    let remove_error = remove.error();
    let saved = saved_flag("rule");
    let first_wait = rules.iter().map(|r| r.delay_minutes).min();
    let unused: Vec<String> = methods_without_rules(&methods, &rules).into_iter().map(|m| m.label.clone()).collect();
    let name_of = |id: i64| methods.iter().find(|m| m.id == id).map(|m| format!("{} ({})", m.label, m.kind.label())).unwrap_or_default();
    let rows: Vec<(i64, String, String)> = rules.iter().map(|r| (r.id, rule_delay_label(r.delay_minutes), name_of(r.contact_method_id))).collect();
    let options: Vec<(String, String)> = methods.iter().map(|m| (m.id.to_string(), format!("{} ({})", m.label, m.kind.label()))).collect();
    view! {
        <section class="notification-rules" aria-labelledby="rules-title">
            <h3 id="rules-title">"Notification rules"</h3>
            <p class="muted">
                "When you are paged, each rule sends the page to one contact method, at once or after a wait. "
                "What is still waiting isn't sent once the page is acknowledged."
            </p>
            <FormError error=remove_error fields=&[] />
            {if rows.is_empty() {
                view! { <p class="empty-state">"No rules: a page goes to every contact method at once."</p> }.into_any()
            } else {
                view! {
                    <ol class="rule-list">
                        {rows.into_iter().map(|(id, when, method)| view! {
                            <li class="catalog-item">
                                <div class="catalog-head">
                                    <span class="cell-title">{when.clone()}</span>
                                    <span class="cell-sub">{format!("by {method}")}</span>
                                </div>
                                <PostForm action=remove attr:class="inline-form">
                                    <input type="hidden" name="notification_rule_id" value=id />
                                    <ConfirmSubmit
                                        label="Remove"
                                        subject=format!("rule: {when} by {method}")
                                        consequence=format!("Pages will no longer reach you {} by {method}.", when.to_lowercase())
                                        confirm="Remove rule"
                                        small=true
                                    />
                                </PostForm>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            {first_wait.filter(|wait| *wait > 0).map(|wait| view! {
                <p class="form-error" role="note">{format!(
                    "Nothing reaches you for the first {wait} minutes of a page: its escalation may move on to the next level before you hear of it. Add a rule that sends immediately."
                )}</p>
            })}
            {(!unused.is_empty()).then(|| view! {
                <p class="field-hint" role="note">{format!("Pages don't use {}: no rule names it.", unused.join(", "))}</p>
            })}
            <PostForm action=add attr:class="stack-form">
                <FormError error=add_error fields=&["contact_method_id", "delay_minutes"] />
                <SelectField label="Send to" name="contact_method_id" error=add_error options id_prefix="rule" />
                <Field
                    label="Minutes after the page"
                    name="delay_minutes"
                    kind="number"
                    value="0"
                    error=add_error
                    id_prefix="rule"
                    hint="0 sends it at once; 5 sends it 5 minutes later if you haven't acknowledged by then."
                />
                <SubmitButton label="Add rule" pending_label="Adding…" pending=add.pending().into() />
                <Show when=move || saved.get()>
                    <p class="form-success" role="status">"Rule added."</p>
                </Show>
            </PostForm>
        </section>
    }
}

/// A page to oneself through the whole escalation path: the worker takes it, every contact
/// method gets it with its link, acknowledging ends it.
#[component]
fn TestPageCard() -> impl IntoView {
    let send = FormAction::new::<crate::api::paging::SendTestPage>();
    let error = send.error();
    let sent_flag = saved_flag("test-page");
    let sent = move || sent_flag.get() || send.succeeded();
    view! {
        <section class="card" aria-labelledby="test-page-title">
            <h2 id="test-page-title">"Test page"</h2>
            <p class="muted">"Pages you as a real page would: through your contact methods as your notification rules say, with a link to acknowledge it. Nobody else is paged."</p>
            <PostForm action=send attr:class="inline-form">
                <FormError error fields=&[] />
                <SubmitButton label="Send me a test page" pending_label="Paging…" pending=send.pending().into() />
            </PostForm>
            <Show when=sent>
                <p class="form-success" role="status">
                    "Test page sent. It reaches each of your contact methods in a moment; acknowledge it through its link or on "
                    <a href="/on-call/pages">"On-call → Pages"</a>"."
                </p>
            </Show>
        </section>
    }
}
