//! Notification settings: one's own subscriptions and, for admins, external addresses, webhooks
//! and the delivery log with retry.

use crate::api::notifications::{
    get_notifications, CreateSubscription, CreateWebhook, DeleteSubscription, DeliveryView, NotificationsView, RetryDelivery,
    SubscriptionView, UpdateWebhook, WebhookView,
};
use crate::components::form::{CheckboxField, Field, FormError, SelectField, SubmitButton};
use crate::components::layout::RequireUser;
use crate::domain::delivery::DeliveryStatus;
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};
use crate::components::title::PageTitle;
use leptos_router::hooks::use_query_map;

#[derive(Clone, Copy)]
struct Actions {
    create: FormAction,
    delete: FormAction,
    create_webhook: FormAction,
    update_webhook: FormAction,
    retry: FormAction,
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let query = use_query_map();
    let status = Memo::new(move |_| query.with(|q| q.get("status").unwrap_or_default()));
    let page = Memo::new(move |_| query.with(|q| q.get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1)));
    let actions = Actions {
        create: FormAction::new::<CreateSubscription>(),
        delete: FormAction::new::<DeleteSubscription>(),
        create_webhook: FormAction::new::<CreateWebhook>(),
        update_webhook: FormAction::new::<UpdateWebhook>(),
        retry: FormAction::new::<RetryDelivery>(),
    };
    let data = Resource::new(
        move || {
            (
                status.get(),
                page.get(),
                FormAction::versions(&[actions.create, actions.delete, actions.create_webhook, actions.update_webhook, actions.retry]),
            )
        },
        |(status, page, _)| get_notifications(status, page),
    );
    let body = crate::components::plain::PageBody::new();
    view! {
        <PageTitle text="Notifications · Quell" />
        <RequireUser>
            <p><a href="/settings">"← Settings"</a></p>
            <h1>"Notifications"</h1>
            <p class="muted">"Internal updates go by email to the people and addresses that follow an incident or incidents like it, and to webhooks."</p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || body.show(move || data.get(), |view_data| view! { <NotificationsBody data=view_data actions /> })}
            </Transition>
        </RequireUser>
    }
}

fn filter_options(data: &NotificationsView) -> (Vec<(String, String)>, Vec<(String, String)>) {
    let mut severities = vec![("0".to_string(), "Any severity".to_string())];
    severities.extend(data.severities.iter().map(|s| (s.id.to_string(), s.name.clone())));
    let mut services = vec![("0".to_string(), "Any service".to_string())];
    services.extend(data.services.iter().map(|(id, name)| (id.to_string(), name.clone())));
    (severities, services)
}

#[component]
fn NotificationsBody(data: NotificationsView, actions: Actions) -> impl IntoView {
    let create_error = actions.create.error();
    let delete_error = actions.delete.error();
    let (severities, services) = filter_options(&data);
    let (mine_severities, mine_services) = (severities.clone(), services.clone());
    let mine = data.mine.clone();
    let is_admin = data.is_admin;
    view! {
        <section class="card" aria-labelledby="mine-heading">
            <h2 id="mine-heading">"Your subscriptions"</h2>
            <FormError error=delete_error fields=&[] />
            <SubscriptionList rows=mine empty="You follow no incidents by filter. Follow single incidents from their page." actions />
            <PostForm action=actions.create attr:class="inline-fields">
                <FormError error=create_error fields=&["severity_id", "service_id"] />
                <SelectField label="Severity" name="severity_id" error=create_error options=mine_severities selected="0" id_prefix="mine" />
                <SelectField label="Service" name="service_id" error=create_error options=mine_services selected="0" id_prefix="mine" />
                <SubmitButton label="Follow these incidents" pending_label="Saving…" pending=actions.create.pending().into() class="button" />
            </PostForm>
        </section>
        {is_admin.then(|| view! { <AdminSections data=data.clone() severities=severities.clone() services=services.clone() actions /> })}
    }
}

#[component]
fn AdminSections(data: NotificationsView, severities: Vec<(String, String)>, services: Vec<(String, String)>, actions: Actions) -> impl IntoView {
    let create_error = actions.create.error();
    let (webhook_severities, webhook_services) = (severities.clone(), services.clone());
    let (external, webhooks) = (data.external.clone(), data.webhooks.clone());
    view! {
        <section class="card" aria-labelledby="external-heading">
            <h2 id="external-heading">"External addresses"</h2>
            <p class="muted">"People outside Quell (a partner, a shared mailbox) who get internal updates of matching incidents."</p>
            <SubscriptionList rows=external empty="No external addresses." actions />
            <PostForm action=actions.create attr:class="inline-fields">
                <Field label="Email address" name="email" kind="email" error=create_error id_prefix="external" />
                <SelectField label="Severity" name="severity_id" error=create_error options=severities selected="0" id_prefix="external" />
                <SelectField label="Service" name="service_id" error=create_error options=services selected="0" id_prefix="external" />
                <SubmitButton label="Add address" pending_label="Adding…" pending=actions.create.pending().into() class="button" />
            </PostForm>
        </section>
        <Webhooks webhooks severities=webhook_severities services=webhook_services actions />
        <DeliveryLog data actions />
    }
}

#[component]
fn SubscriptionList(rows: Vec<SubscriptionView>, empty: &'static str, actions: Actions) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty-state">{empty}</p> }.into_any();
    }
    view! {
        <ul class="catalog-list">
            {rows.into_iter().map(|row| view! {
                <li class="catalog-item">
                    <div class="catalog-head">
                        <span class="cell-title">{row.who.clone()}</span>
                        <span>{row.scope.clone()}</span>
                    </div>
                    <PostForm action=actions.delete attr:class="inline-form">
                        <input type="hidden" name="subscription_id" value=row.id />
                        <button type="submit" class="button small">"Remove" <span class="visually-hidden">{format!(" {}: {}", row.who, row.scope)}</span></button>
                    </PostForm>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

fn format_options() -> Vec<(String, String)> {
    vec![
        ("json".to_string(), "JSON (Quell's payload)".to_string()),
        ("slack".to_string(), "Slack-compatible (Slack, Mattermost, …)".to_string()),
    ]
}

#[component]
fn Webhooks(webhooks: Vec<WebhookView>, severities: Vec<(String, String)>, services: Vec<(String, String)>, actions: Actions) -> impl IntoView {
    let create_error = actions.create_webhook.error();
    let update_error = actions.update_webhook.error();
    let is_empty = webhooks.is_empty();
    let (row_severities, row_services) = (severities.clone(), services.clone());
    view! {
        <section class="card" aria-labelledby="webhooks-heading">
            <h2 id="webhooks-heading">"Webhooks"</h2>
            <p class="muted">"Every update of a matching incident is posted to these addresses. With a secret, requests carry an X-Quell-Signature (HMAC-SHA256 of the timestamp and body)."</p>
            <FormError error=update_error fields=&[] />
            {is_empty.then(|| view! { <p class="empty-state">"No webhooks."</p> })}
            <ul class="catalog-list">
                {webhooks.into_iter().map(|hook| {
                    let prefix = format!("webhook-{}", hook.id);
                    let (severities, services) = (row_severities.clone(), row_services.clone());
                    view! {
                        <li class="catalog-item">
                            <div class="catalog-head">
                                <span class="cell-title">{hook.name.clone()}</span>
                                <span class="badge">{if hook.active { "Active" } else { "Paused" }}</span>
                                <span class="cell-sub">{hook.url.clone()}</span>
                                <span class="cell-sub">{format!("{} · {} · {}", hook.format, hook.scope, if hook.signed { "signed" } else { "not signed" })}</span>
                            </div>
                            <details>
                                <summary>"Edit " <span class="visually-hidden">{hook.name.clone()}</span></summary>
                                <PostForm action=actions.update_webhook attr:class="stack-form">
                                    <input type="hidden" name="webhook_id" value=hook.id />
                                    <input type="hidden" name="revision" value=hook.revision />
                                    <Field label="Name" name="name" value=hook.name.clone() error=update_error id_prefix=prefix.clone() />
                                    <Field label="URL" name="url" kind="url" value=hook.url.clone() error=update_error id_prefix=prefix.clone() />
                                    <SelectField label="Format" name="format" error=update_error options=format_options() selected=hook.format.clone() id_prefix=prefix.clone() />
                                    <Field label="New secret" name="secret" error=update_error required=false id_prefix=prefix.clone() hint="Leave empty to keep the current one." />
                                    <CheckboxField label="Remove the secret" name="clear_secret" id_prefix=prefix.clone() />
                                    <SelectField label="Severity" name="severity_id" error=update_error options=severities selected=hook.filter.severity_id.unwrap_or(0).to_string() id_prefix=prefix.clone() />
                                    <SelectField label="Service" name="service_id" error=update_error options=services selected=hook.filter.service_id.unwrap_or(0).to_string() id_prefix=prefix.clone() />
                                    <CheckboxField label="Active" name="active" checked=hook.active id_prefix=prefix.clone() />
                                    <SubmitButton label="Save webhook" pending_label="Saving…" pending=actions.update_webhook.pending().into() />
                                </PostForm>
                            </details>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <details>
                <summary>"Add a webhook"</summary>
                <PostForm action=actions.create_webhook attr:class="stack-form">
                    <FormError error=create_error fields=&["name", "url", "format", "secret", "severity_id", "service_id"] />
                    <Field label="Name" name="name" error=create_error id_prefix="new-webhook" />
                    <Field label="URL" name="url" kind="url" error=create_error id_prefix="new-webhook" />
                    <SelectField label="Format" name="format" error=create_error options=format_options() selected="json" id_prefix="new-webhook" />
                    <Field label="Secret" name="secret" error=create_error required=false id_prefix="new-webhook" hint="Optional: signs every request." />
                    <SelectField label="Severity" name="severity_id" error=create_error options=severities selected="0" id_prefix="new-webhook" />
                    <SelectField label="Service" name="service_id" error=create_error options=services selected="0" id_prefix="new-webhook" />
                    <SubmitButton label="Add webhook" pending_label="Adding…" pending=actions.create_webhook.pending().into() />
                </PostForm>
            </details>
        </section>
    }
}

#[component]
fn DeliveryLog(data: NotificationsView, actions: Actions) -> impl IntoView {
    let retry_error = actions.retry.error();
    let current = data.status_filter;
    let tab = |status: Option<DeliveryStatus>, label: String| {
        let href = match status {
            Some(s) => format!("/settings/notifications?status={}", s.as_str()),
            None => "/settings/notifications".to_string(),
        };
        view! { <a href=href aria-current=(status == current).then_some("page")>{label}</a> }
    };
    let total: i64 = data.delivery_counts.iter().map(|(_, n)| n).sum();
    let status_param = current.map(|s| format!("status={}&", s.as_str())).unwrap_or_default();
    let (page, pages) = (data.page, data.pages);
    let rows = data.deliveries;
    view! {
        <section class="card" aria-labelledby="log-heading">
            <h2 id="log-heading">"Delivery log"</h2>
            <nav class="status-tabs" aria-label="Delivery status">
                {tab(None, format!("All ({total})"))}
                {data.delivery_counts.iter().map(|(status, count)| tab(Some(*status), format!("{} ({count})", status.label()))).collect_view()}
            </nav>
            <FormError error=retry_error fields=&[] />
            {if rows.is_empty() {
                view! { <p class="empty-state">"Nothing here."</p> }.into_any()
            } else {
                view! {
                    <ul class="catalog-list">
                        {rows.into_iter().map(|row| view! { <DeliveryRow row actions /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(pages > 1).then(|| view! {
                <nav class="pagination" aria-label="Delivery log pages">
                    {(page > 1).then(|| view! { <a href=format!("/settings/notifications?{status_param}page={}", page - 1) rel="prev">"Previous"</a> })}
                    <span>{format!("Page {page} of {pages}")}</span>
                    {(page < pages).then(|| view! { <a href=format!("/settings/notifications?{status_param}page={}", page + 1) rel="next">"Next"</a> })}
                </nav>
            })}
        </section>
    }
}

#[component]
fn DeliveryRow(row: DeliveryView, actions: Actions) -> impl IntoView {
    let can_retry = matches!(row.status, DeliveryStatus::Failed | DeliveryStatus::Pending);
    let when = match (&row.sent, &row.next_attempt) {
        (Some(sent), _) => format!("sent {sent}"),
        (None, Some(next)) => format!("next attempt {next}"),
        _ => format!("queued {}", row.created),
    };
    view! {
        <li class="catalog-item delivery">
            <div class="catalog-head">
                <span class="badge">{row.status.label()}</span>
                <span class="cell-title">{format!("{} · {}", row.topic, row.channel)}</span>
                <span class="cell-sub">{row.target.clone()}</span>
                <span class="cell-sub">{format!("{} attempt{} · {when}", row.attempts, if row.attempts == 1 { "" } else { "s" })}</span>
                {(!row.last_error.is_empty()).then(|| view! { <span class="delivery-error">{row.last_error.clone()}</span> })}
            </div>
            {can_retry.then(|| view! {
                <PostForm action=actions.retry attr:class="inline-form">
                    <input type="hidden" name="delivery_id" value=row.id />
                    <button type="submit" class="button small">"Retry now" <span class="visually-hidden">{format!(" delivery {}", row.id)}</span></button>
                </PostForm>
            })}
        </li>
    }
}
