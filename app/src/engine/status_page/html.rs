//! The status page, the incident history and one public incident, as plain HTML documents with
//! no script. Update messages were sanitized when written (`markdown::render`); every other
//! text is escaped by the view macro.

use super::{public_time, ComponentView, Snapshot, HISTORY_DAYS};
use crate::domain::status_page::{format_uptime, headline, worst, ComponentState, MaintenancePhase};
use crate::store::status_page::{PublicIncident, StatusPageSettings};
use leptos::prelude::*;

/// The stylesheet, with the accent colour admins chose.
pub fn stylesheet(settings: &StatusPageSettings) -> String {
    format!(":root{{--accent:{}}}\n{}", settings.accent_color, include_str!("../../../../style/status.css"))
}

/// A short class per state, for the colour of badges and bars.
fn state_class(state: Option<ComponentState>) -> &'static str {
    match state {
        None => "n",
        Some(ComponentState::Operational) => "o",
        Some(ComponentState::UnderMaintenance) => "m",
        Some(ComponentState::DegradedPerformance) => "d",
        Some(ComponentState::PartialOutage) => "p",
        Some(ComponentState::MajorOutage) => "x",
    }
}

/// A whole document around `body`.
fn document(settings: &StatusPageSettings, page_title: String, body: impl IntoView + 'static) -> String {
    let css = format!("/status/style.css?v={}", settings.revision);
    let logo = settings.logo_text.clone();
    let html = view! {
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <title>{page_title}</title>
                <link rel="stylesheet" href=css />
                <link rel="alternate" type="application/atom+xml" title="Status updates" href="/status/feed.atom" />
            </head>
            <body>
                <header class="top">
                    <a class="logo" href="/status">{logo}</a>
                    <nav aria-label="Status page">
                        <a href="/status/history">"Incident history"</a>
                        <a href="/status/feed.atom">"Atom feed"</a>
                    </nav>
                </header>
                <main>{body}</main>
                <footer>"Powered by Quell"</footer>
            </body>
        </html>
    }
    .to_html();
    // The status page is never hydrated, so the markers views leave for hydration (`<!>`, written
    // after dynamic text) are noise, and inside <title> they would be text. Escaped text never
    // contains "<!>".
    format!("<!DOCTYPE html>{}", html.replace("<!>", ""))
}

/// The status page.
pub fn status_page(snapshot: &Snapshot) -> String {
    let settings = &snapshot.settings;
    let incidents = snapshot.incidents.clone();
    let maintenance: Vec<_> = snapshot.maintenance.clone();
    let (alone, groups) = arrange(&snapshot.components);
    let nothing = alone.is_empty() && groups.is_empty();
    let body = view! {
        <h1>{settings.title.clone()}</h1>
        <p class=format!("overall s-{}", state_class(Some(snapshot.overall))) role="status">{headline(snapshot.overall)}</p>
        {(!incidents.is_empty()).then(|| view! {
            <section aria-labelledby="active-title">
                <h2 id="active-title">"Active incidents"</h2>
                {incidents.into_iter().map(|incident| view! { <IncidentCard incident linked=true /> }).collect_view()}
            </section>
        })}
        {(!maintenance.is_empty()).then(|| view! {
            <section aria-labelledby="maintenance-title">
                <h2 id="maintenance-title">"Scheduled maintenance"</h2>
                {maintenance.into_iter().map(|(window, phase)| {
                    let components = window.components.iter().map(|(_, name)| name.clone()).collect::<Vec<_>>().join(", ");
                    view! {
                        <article class="card maintenance">
                            <h3>{window.title.clone()}</h3>
                            <p class="when">
                                <span class=format!("badge {}", if phase == MaintenancePhase::InProgress { "s-m" } else { "" })>{phase.label()}</span>
                                " "{public_time(window.starts_at)}" – "{public_time(window.ends_at)}
                            </p>
                            {(!components.is_empty()).then(|| view! { <p class="affected">"Affects: "{components}</p> })}
                            <div class="message" inner_html=window.message_html.clone()></div>
                        </article>
                    }
                }).collect_view()}
            </section>
        })}
        <SubscribeForm error=None />
        <section aria-labelledby="components-title">
            <h2 id="components-title">"Components"</h2>
            {nothing.then(|| view! { <p class="muted">"No components are shown yet."</p> })}
            {(!alone.is_empty()).then(|| view! {
                <ul class="components">
                    {alone.into_iter().map(|component| view! { <ComponentRow component /> }).collect_view()}
                </ul>
            })}
            {groups.into_iter().enumerate().map(|(n, group)| {
                // The group's own state: its service's when that is shown, else its worst member's.
                let state = group.own.as_ref().map(|c| c.state).unwrap_or_else(|| worst(group.members.iter().map(|c| c.state)));
                let heading = format!("group-{n}");
                let heading_id = heading.clone();
                view! {
                    <section class="group" aria-labelledby=heading>
                        <h3 id=heading_id class="row">
                            <span class="name">{group.name.clone()}</span>
                            <span class=format!("state s-{}", state_class(Some(state)))>{state.label()}</span>
                        </h3>
                        {group.own.map(|own| view! { <History component=own /> })}
                        <ul class="components">
                            {group.members.into_iter().map(|component| view! { <ComponentRow component /> }).collect_view()}
                        </ul>
                    </section>
                }
            }).collect_view()}
        </section>
    };
    document(settings, settings.title.clone(), body)
}

/// Components shown under a service they belong to (their group), with the service's own row
/// when it is shown too.
struct Group {
    name: String,
    own: Option<ComponentView>,
    members: Vec<ComponentView>,
}

/// The components in no group, then the groups in the order their first member comes. A shown
/// service that others belong to is its group's own row, never a component beside it.
fn arrange(components: &[ComponentView]) -> (Vec<ComponentView>, Vec<Group>) {
    let mut groups: Vec<Group> = Vec::new();
    for component in components {
        if let Some(name) = &component.group {
            match groups.iter_mut().find(|g| &g.name == name) {
                Some(group) => group.members.push(component.clone()),
                None => groups.push(Group { name: name.clone(), own: None, members: vec![component.clone()] }),
            }
        }
    }
    let mut alone = Vec::new();
    for component in components.iter().filter(|c| c.group.is_none()) {
        match groups.iter_mut().find(|g| g.name == component.name) {
            Some(group) => group.own = Some(component.clone()),
            None => alone.push(component.clone()),
        }
    }
    (alone, groups)
}

#[component]
fn ComponentRow(component: ComponentView) -> impl IntoView {
    view! {
        <li class="component">
            <div class="row">
                <span class="name">{component.name.clone()}</span>
                <span class=format!("state s-{}", state_class(Some(component.state)))>{component.state.label()}</span>
            </div>
            {(!component.description.is_empty()).then(|| view! { <p class="muted">{component.description.clone()}</p> })}
            <History component />
        </li>
    }
}

/// A component's days as bars and its uptime in words: over the history's days, or since it
/// was first shown when that is later.
#[component]
fn History(component: ComponentView) -> impl IntoView {
    let problem_days: Vec<String> = component
        .days
        .iter()
        .filter_map(|day| match day.worst {
            Some(state) if state != ComponentState::Operational => {
                Some(format!("{}: {}", day.date.format("%-d %b"), state.label().to_lowercase()))
            }
            _ => None,
        })
        .collect();
    let over = match component.since {
        Some(day) => format!("since {}", day.format("%-d %b %Y")),
        None => format!("over the last {HISTORY_DAYS} days"),
    };
    let summary = match (component.uptime, problem_days.is_empty()) {
        (None, _) => "No history yet.".to_string(),
        (Some(uptime), true) => format!("{} uptime {over}, with no problems.", format_uptime(uptime)),
        (Some(uptime), false) => format!("{} uptime {over}. Days with problems: {}.", format_uptime(uptime), problem_days.join("; ")),
    };
    view! {
        <ol class="bars" aria-hidden="true">
            {component.days.iter().map(|day| {
                let title = day.worst.filter(|s| *s != ComponentState::Operational).map(|s| format!("{}: {}", day.date.format("%-d %b"), s.label()));
                view! { <li class=state_class(day.worst) title=title></li> }
            }).collect_view()}
        </ol>
        <p class="uptime">{summary}</p>
    }
}

#[component]
fn IncidentCard(incident: PublicIncident, linked: bool) -> impl IntoView {
    let href = format!("/status/incidents/{}", incident.id);
    let title = incident.public_title.clone();
    view! {
        <article class="card incident">
            // On the incident's own page its name is the page heading.
            {linked.then(|| view! { <h3><a href=href>{title}</a></h3> })}
            {(!incident.components.is_empty()).then(|| view! { <p class="affected">"Affects: "{incident.components.join(", ")}</p> })}
            <ol class="updates">
                {incident.updates.into_iter().map(|update| view! {
                    <li>
                        <p class="update-head">
                            <strong>{update.status.label()}</strong>
                            " · "
                            <time datetime=update.published_at.to_rfc3339()>{public_time(update.published_at)}</time>
                        </p>
                        <div class="message" inner_html=update.body_html></div>
                    </li>
                }).collect_view()}
            </ol>
        </article>
    }
}

/// The form for getting updates by email (`error`: the message to show beside the field).
#[component]
fn SubscribeForm(error: Option<String>) -> impl IntoView {
    view! {
        <section class="card subscribe" aria-labelledby="subscribe-title">
            <h2 id="subscribe-title">"Get updates by email"</h2>
            <form method="post" action="/status/subscribe">
                <label for="subscribe-email">"Email address"</label>
                <input id="subscribe-email" type="email" name="email" required autocomplete="email"
                    aria-describedby=error.as_ref().map(|_| "subscribe-error") aria-invalid=error.as_ref().map(|_| "true") />
                <button type="submit">"Subscribe"</button>
                {error.map(|message| view! { <p class="error" id="subscribe-error">{message}</p> })}
            </form>
            <p class="muted">"We'll email you to confirm first. Every email has a link to unsubscribe."</p>
        </section>
    }
}

/// A short page answering a subscription step: a heading, a sentence and, optionally, the
/// subscribe form again with an error, or a one-button form posting to `action`.
pub fn message_page(settings: &StatusPageSettings, heading: &str, text: &str, form_error: Option<String>, action: Option<(String, &'static str)>) -> String {
    let (heading, text) = (heading.to_string(), text.to_string());
    let title = format!("{heading} · {}", settings.title);
    let body = view! {
        <h1>{heading}</h1>
        <p>{text}</p>
        {form_error.map(|error| view! { <SubscribeForm error=Some(error) /> })}
        {action.map(|(url, label)| view! {
            <form method="post" action=url class="subscribe">
                <button type="submit">{label}</button>
            </form>
        })}
        <p><a href="/status">"← Current status"</a></p>
    };
    document(settings, title, body)
}

/// Past incidents, newest first, with a link to older ones.
pub fn history_page(settings: &StatusPageSettings, incidents: Vec<PublicIncident>, older: Option<i64>) -> String {
    let body = view! {
        <h1>"Incident history"</h1>
        {if incidents.is_empty() {
            view! { <p class="muted">"No incidents have been published."</p> }.into_any()
        } else {
            view! {
                <ul class="history">
                    {incidents.into_iter().map(|incident| {
                        let last = incident.updates.first().map(|u| public_time(u.published_at)).unwrap_or_default();
                        view! {
                            <li>
                                <a href=format!("/status/incidents/{}", incident.id)>{incident.public_title.clone()}</a>
                                <span class="muted">" · "{incident.status.label()}" · "{last}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        {older.map(|before| view! { <p><a href=format!("/status/history?before={before}")>"Older incidents →"</a></p> })}
    };
    document(settings, format!("Incident history · {}", settings.title), body)
}

/// One incident with all its public updates.
pub fn incident_page(settings: &StatusPageSettings, incident: PublicIncident) -> String {
    let title = format!("{} · {}", incident.public_title, settings.title);
    let body = view! {
        <p><a href="/status">"← Current status"</a></p>
        <h1>{incident.public_title.clone()}</h1>
        <IncidentCard incident linked=false />
    };
    document(settings, title, body)
}

/// A page for a public incident that doesn't exist (or was never public).
pub fn not_found_page(settings: &StatusPageSettings) -> String {
    let body = view! {
        <h1>"Not found"</h1>
        <p>"There is no such incident on this status page."</p>
        <p><a href="/status">"← Current status"</a></p>
    };
    document(settings, format!("Not found · {}", settings.title), body)
}
