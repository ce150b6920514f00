//! Post-mortems: the list (filters and search), one post-mortem (sections with a live preview and
//! the blameless check, impact, contributing factors, action items, review and history), the
//! incident page's post-mortem card, and the templates settings page.

use crate::api::post_mortems::{
    get_post_mortem, incident_post_mortem, list_post_mortems, list_templates, AddFactor, CommentPostMortem, DeleteTemplate,
    IncidentPostMortemView, MovePostMortem, PostMortemView, PostMortemsView, Preview, RemoveFactor, ReviewPostMortem, SaveDetails,
    SaveSection, SaveTemplate, SetReviewer, StartPostMortem,
};
use crate::api::action_items::CreateActionItem;
use crate::components::errors::AppErrorView;
use crate::components::form::{action_error, reset_after_success, successes, Field, FormError, SelectField, SubmitButton, TextArea};
use crate::components::layout::RequireUser;
use crate::components::pagination::Pagination;
use crate::domain::post_mortem::{Decision, FactorCategory, PostMortemStatus, Section};
use crate::components::action_items::{people_options, ItemList, NewItemForm};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn PostMortemStatusBadge(status: PostMortemStatus) -> impl IntoView {
    view! { <span class=format!("badge post-mortem-{}", status.as_str())>{status.label()}</span> }
}


// ---- the list ----

#[component]
pub fn PostMortemsPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |name: &str| query.with(|q| q.get(name).unwrap_or_default());
    let int = move |name: &str| get(name).parse::<i64>().unwrap_or(0);
    let data = Resource::new(
        move || (get("status"), int("owner"), int("severity"), int("service"), get("from"), get("to"), get("q"), int("page")),
        |(status, owner, severity, service, from, to, q, page)| list_post_mortems(status, owner, severity, service, from, to, q, page),
    );
    view! {
        <Title text="Post-mortems · Quell" />
        <RequireUser>
            <h1>"Post-mortems"</h1>
            <p class="muted">"Blameless reviews of resolved incidents. Start one from a resolved incident's page."</p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading post-mortems…"</p> }>
                {move || data.get().map(|loaded| match loaded {
                    Ok(view_data) => view! { <PostMortemsBody data=view_data /> }.into_any(),
                    Err(error) => view! { <AppErrorView error /> }.into_any(),
                })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn PostMortemsBody(data: PostMortemsView) -> impl IntoView {
    let query = use_query_map();
    let current = move |name: &str| query.with_untracked(|q| q.get(name).unwrap_or_default());
    let no_error = Signal::stored(None);
    let any = |label: &str| (String::new(), label.to_string());
    let mut statuses = vec![any("Any status")];
    statuses.extend(PostMortemStatus::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())));
    let owners = people_options(&data.people, Some("Anyone"));
    let mut severities = vec![any("Any severity")];
    severities.extend(data.severities.iter().map(|(id, name)| (id.to_string(), name.clone())));
    let mut services = vec![any("Any service")];
    services.extend(data.services.iter().map(|(id, name)| (id.to_string(), name.clone())));
    let date = move |name: &'static str, label: &'static str| {
        let id = format!("filter-{name}");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id type="date" name=name value=current(name) />
            </div>
        }
    };
    let (page, pages, total) = (data.page, data.pages, data.total);
    view! {
        <Form method="GET" action="/post-mortems" attr:class="filter-form" attr:aria-label="Filter post-mortems">
            <div class="field search-field">
                <label for="filter-q">"Search"</label>
                <input id="filter-q" type="search" name="q" value=current("q") placeholder="Words in any section" />
            </div>
            <SelectField label="Status" name="status" error=no_error options=statuses selected=current("status") id_prefix="filter" />
            <SelectField label="Owner" name="owner" error=no_error options=owners selected=current("owner") id_prefix="filter" />
            <SelectField label="Severity" name="severity" error=no_error options=severities selected=current("severity") id_prefix="filter" />
            <SelectField label="Service" name="service" error=no_error options=services selected=current("service") id_prefix="filter" />
            {date("from", "Started from")}
            {date("to", "Started until")}
            <div class="filter-actions">
                <button type="submit" class="button">"Apply filters"</button>
                <a href="/post-mortems">"Clear"</a>
            </div>
        </Form>
        <p class="muted" role="status">{format!("{total} {}", if total == 1 { "post-mortem" } else { "post-mortems" })}</p>
        {if data.rows.is_empty() {
            view! {
                <div class="card empty-state">
                    <p class="empty-title">"No post-mortems match"</p>
                    <p>"Post-mortems are started from resolved incidents. Try fewer filters."</p>
                </div>
            }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="data-table">
                        <thead>
                            <tr>
                                <th scope="col">"Incident"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Owner"</th>
                                <th scope="col">"Severity"</th>
                                <th scope="col">"Action items"</th>
                                <th scope="col">"Started"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {data.rows.into_iter().map(|row| {
                                let pm = row.post_mortem;
                                view! {
                                    <tr>
                                        <td>
                                            <a href=format!("/post-mortems/{}", pm.id)>
                                                <span class="reference">{crate::domain::incident::reference(pm.incident_id)}</span>" "{pm.incident_title.clone()}
                                            </a>
                                        </td>
                                        <td><PostMortemStatusBadge status=pm.status /></td>
                                        <td>{pm.owner_name.clone()}</td>
                                        <td>{pm.severity_name.clone()}</td>
                                        <td>{row.completion.text()}</td>
                                        <td>{row.created.clone()}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <Pagination page pages base="/post-mortems" keep=&["q", "status", "owner", "severity", "service", "from", "to"] />
    }
}

// ---- one post-mortem ----

/// The actions of a post-mortem's page, made once so their results outlive the data reloading.
#[derive(Clone, Copy)]
struct Actions {
    section: ServerAction<SaveSection>,
    details: ServerAction<SaveDetails>,
    add_factor: ServerAction<AddFactor>,
    remove_factor: ServerAction<RemoveFactor>,
    reviewer: ServerAction<SetReviewer>,
    review: ServerAction<ReviewPostMortem>,
    comment: ServerAction<CommentPostMortem>,
    moved: ServerAction<MovePostMortem>,
    add_item: ServerAction<CreateActionItem>,
    set_status: ServerAction<crate::api::action_items::SetActionItemStatus>,
    publish_summary: ServerAction<crate::api::updates::PublishUpdate>,
    /// The section whose form was submitted last.
    last_section: RwSignal<i64>,
    /// What is typed in section editors and not saved yet, by section id: kept when the page
    /// reloads its data (after any change, one's own or someone else's).
    drafts: RwSignal<std::collections::HashMap<i64, String>>,
    comment_draft: RwSignal<Option<String>>,
}

impl Actions {
    fn new() -> Actions {
        Actions {
            section: ServerAction::new(),
            details: ServerAction::new(),
            add_factor: ServerAction::new(),
            remove_factor: ServerAction::new(),
            reviewer: ServerAction::new(),
            review: ServerAction::new(),
            comment: ServerAction::new(),
            moved: ServerAction::new(),
            add_item: ServerAction::new(),
            set_status: ServerAction::new(),
            publish_summary: ServerAction::new(),
            last_section: RwSignal::new(0),
            drafts: RwSignal::new(std::collections::HashMap::new()),
            comment_draft: RwSignal::new(None),
        }
    }

    /// Goes up after each success (not after a failure, so a refused form keeps what was typed).
    fn successes(self) -> [Memo<usize>; 11] {
        [
            successes(self.section),
            successes(self.details),
            successes(self.add_factor),
            successes(self.remove_factor),
            successes(self.reviewer),
            successes(self.review),
            successes(self.comment),
            successes(self.moved),
            successes(self.add_item),
            successes(self.set_status),
            successes(self.publish_summary),
        ]
    }
}

#[component]
pub fn PostMortemPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0));
    let actions = Actions::new();
    let done = actions.successes();
    // A saved section's draft is done with; so is a sent comment.
    Effect::new(move |_| {
        if let Some(Ok(_)) = actions.section.value().get() {
            let saved = actions.last_section.get_untracked();
            actions.drafts.update(|drafts| {
                drafts.remove(&saved);
            });
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = actions.comment.value().get() {
            actions.comment_draft.set(None);
        }
    });
    // Live updates for this post-mortem's incident, once the data says which it is.
    let incident = RwSignal::new(None::<i64>);
    let shown = Memo::new(move |_| incident.get());
    let live = crate::live::use_live_changes_of(shown);
    let data = Resource::new(
        move || (id(), done.iter().map(|m| m.get()).sum::<usize>(), live.get()),
        |(id, ..)| get_post_mortem(id),
    );
    Effect::new(move |_| {
        if let Some(Ok(view)) = data.get() {
            incident.set(Some(view.post_mortem.incident_id));
        }
    });
    view! {
        <RequireUser>
            <p><A href="/post-mortems">"← Post-mortems"</A></p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading the post-mortem…"</p> }>
                {move || data.get().map(|loaded| match loaded {
                    Ok(view_data) => view! { <PostMortemBody data=view_data actions /> }.into_any(),
                    Err(error) => view! { <AppErrorView error /> }.into_any(),
                })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn PostMortemBody(data: PostMortemView, actions: Actions) -> impl IntoView {
    let pm = data.post_mortem.clone();
    let reference = crate::domain::incident::reference(pm.incident_id);
    let back_to = format!("/post-mortems/{}", pm.id);
    let add_item_error = action_error(actions.add_item);
    view! {
        <Title text=format!("Post-mortem {reference} {} · Quell", pm.incident_title) />
        <header class="page-head">
            <p class="reference">"Post-mortem of "<a href=format!("/incidents/{}", pm.incident_id)>{reference.clone()}</a></p>
            <h1>{pm.incident_title.clone()}</h1>
            <div class="badges" aria-label="Status">
                <PostMortemStatusBadge status=pm.status />
                <span class="badge">{pm.severity_name.clone()}</span>
                <span class=if data.completion.is_complete() { "badge complete" } else { "badge" } id="completion">
                    {format!("Action items: {}", data.completion.text())}
                </span>
            </div>
            <dl class="facts">
                <div><dt>"Owner"</dt><dd>{pm.owner_name.clone()}</dd></div>
                <div><dt>"Last changed"</dt><dd>{data.updated.clone()}</dd></div>
                {data.published.clone().map(|at| view! { <div><dt>"Published"</dt><dd>{at}</dd></div> })}
            </dl>
            <p><a href=format!("/post-mortems/{}/export.md", pm.id) download="">"Export as Markdown"</a></p>
            {(pm.status == PostMortemStatus::Published && !data.can_edit).then(|| view! {
                <p class="notice">"Published: it is read-only now. Admins can still correct it, and every edit is kept in its history."</p>
            })}
        </header>
        <WorkflowCard data=data.clone() actions />
        {data.can_publish_summary.then(|| view! { <CustomerSummaryCard data=data.clone() actions /> })}
        <div class="incident-grid">
            <div class="incident-main">
                {data.sections.clone().into_iter().map(|section| view! {
                    <SectionCard section post_mortem_id=pm.id can_edit=data.can_edit actions />
                }).collect_view()}
                <FactorsCard data=data.clone() actions />
            </div>
            <aside class="incident-side">
                <ImpactCard data=data.clone() actions />
                <section class="card" aria-labelledby="items-heading" id="items">
                    <h2 id="items-heading">"Action items"</h2>
                    <p class="muted">{data.completion.text()}</p>
                    <ItemList rows=data.items.clone() can_respond=data.can_respond set_status=actions.set_status back_to=back_to.clone() compact=true />
                    {data.can_respond.then(|| view! {
                        <details open=move || add_item_error.get().is_some()>
                            <summary>"Add an action item"</summary>
                            <NewItemForm create=actions.add_item incident_id=pm.incident_id people=data.people.clone()
                                viewer_id=data.viewer_id back_to=back_to.clone() />
                        </details>
                    })}
                </section>
                <ReviewCard data=data.clone() actions />
                <HistoryCard data=data.clone() />
            </aside>
        </div>
    }
}

#[component]
fn WorkflowCard(data: PostMortemView, actions: Actions) -> impl IntoView {
    let error = action_error(actions.moved);
    let pm = data.post_mortem.clone();
    let approvals = data.reviewers.iter().filter(|r| r.decision == Decision::Approved).count();
    let explain = match pm.status {
        PostMortemStatus::Draft => "Write it together; when it is ready, add reviewers and send it to review.".to_string(),
        PostMortemStatus::InReview => format!(
            "In review: {approvals} of {} approval{} needed to publish.",
            pm.required_approvals,
            if pm.required_approvals == 1 { "" } else { "s" }
        ),
        PostMortemStatus::Published => "Published.".to_string(),
    };
    let button = move |to: PostMortemStatus, label: &'static str, class: &'static str| {
        view! {
            <ActionForm action=actions.moved attr:class="inline-form">
                <input type="hidden" name="post_mortem_id" value=pm.id />
                <input type="hidden" name="from" value=pm.status.as_str() />
                <input type="hidden" name="to" value=to.as_str() />
                <button type="submit" class=class>{label}</button>
            </ActionForm>
        }
    };
    view! {
        <section class="card" aria-labelledby="workflow-heading">
            <h2 id="workflow-heading">"Workflow"</h2>
            <p>{explain}</p>
            <FormError error fields=&[] />
            {data.can_move.then(|| match pm.status {
                PostMortemStatus::Draft => button(PostMortemStatus::InReview, "Send to review", "button primary").into_any(),
                PostMortemStatus::InReview => view! {
                    {button(PostMortemStatus::Published, "Publish", "button primary")}
                    {button(PostMortemStatus::Draft, "Back to draft", "button")}
                }.into_any(),
                PostMortemStatus::Published => ().into_any(),
            })}
        </section>
    }
}

/// Publishes a customer-facing summary of a published post-mortem as a public update of its
/// incident (on the status page, and to its subscribers).
#[component]
fn CustomerSummaryCard(data: PostMortemView, actions: Actions) -> impl IntoView {
    let error = action_error(actions.publish_summary);
    let sent = Signal::derive(move || matches!(actions.publish_summary.value().get(), Some(Ok(()))));
    let summary = data.sections.iter().find(|s| s.heading.eq_ignore_ascii_case("Summary")).map(|s| s.body.clone()).unwrap_or_default();
    view! {
        <section class="card" aria-labelledby="customer-summary-heading">
            <h2 id="customer-summary-heading">"Customer summary"</h2>
            <p class="muted">"Optionally tell customers what happened: this goes to the status page as a public update of the incident, and to its subscribers. Write it for them: no internal names."</p>
            <Show when=move || sent.get()>
                <p class="form-success" role="status">"Published on the status page."</p>
            </Show>
            <ActionForm action=actions.publish_summary attr:class="stack-form">
                <FormError error fields=&["message", "public_title"] />
                <input type="hidden" name="incident_id" value=data.post_mortem.incident_id />
                <input type="hidden" name="public" value="true" />
                <Field label="Public name" name="public_title" value=data.post_mortem.incident_title.clone() error id_prefix="summary-" />
                <TextArea label="Summary for customers" name="message" value=summary error rows=5 id_prefix="summary-" required=true />
                <SubmitButton label="Publish on the status page" pending_label="Publishing…" pending=actions.publish_summary.pending().into() />
            </ActionForm>
        </section>
    }
}

#[component]
fn SectionCard(section: Section, post_mortem_id: i64, can_edit: bool, actions: Actions) -> impl IntoView {
    let heading_id = format!("section-{}-heading", section.id);
    let empty = section.body.trim().is_empty();
    let section_id = section.id;
    let has_draft = actions.drafts.with_untracked(|d| d.contains_key(&section_id));
    view! {
        <section class="card post-mortem-section" id=format!("section-{}", section.id) aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>{section.heading.clone()}</h2>
            {(!section.guidance.is_empty()).then(|| view! { <p class="field-hint">{section.guidance.clone()}</p> })}
            {if empty {
                view! { <p class="empty-state">"Nothing written yet."</p> }.into_any()
            } else {
                view! { <div class="entry-body" inner_html=section.body_html.clone()></div> }.into_any()
            }}
            {section.updated_by_name.clone().map(|name| view! { <p class="cell-sub">{format!("Last edited by {name}")}</p> })}
            {can_edit.then(|| view! {
                <details open=empty || has_draft>
                    <summary>"Edit" <span class="visually-hidden">{format!(" {}", section.heading)}</span></summary>
                    <SectionEditor section=section.clone() post_mortem_id actions />
                </details>
            })}
        </section>
    }
}

/// A section's editor: the Markdown, a preview rendered by the server as you type (with the
/// blameless check), and Save.
#[component]
fn SectionEditor(section: Section, post_mortem_id: i64, actions: Actions) -> impl IntoView {
    let all_errors = action_error(actions.section);
    let section_id = section.id;
    // Only the form of the section saved last shows that save's error (all of them after a
    // plain form post, which doesn't say which).
    let error = Signal::derive(move || {
        let last = actions.last_section.get();
        if last == section_id || last == 0 { all_errors.get() } else { None }
    });
    let draft = actions.drafts.with_untracked(|d| d.get(&section_id).cloned());
    let preview = Action::new(|body: &String| {
        let body = body.clone();
        async move { crate::api::post_mortems::preview_markdown(body).await }
    });
    let typed = RwSignal::new(0u64);
    if let Some(text) = draft.clone() {
        // The preview of a draft kept across a reload.
        preview.dispatch(text);
    }
    let on_input = move |event: leptos::ev::Event| {
        let text = event_target_value(&event);
        actions.drafts.update(|drafts| {
            drafts.insert(section_id, text.clone());
        });
        let n = typed.get_untracked() + 1;
        typed.set(n);
        set_timeout(
            move || {
                // The editor may be gone by then (saved, or drawn anew by a reload).
                if typed.try_get_untracked() == Some(n) && !preview.version().is_disposed() {
                    preview.dispatch(text.clone());
                }
            },
            std::time::Duration::from_millis(400),
        );
    };
    let initial_html = section.body_html.clone();
    let preview_html = move || match preview.value().get() {
        Some(Ok(Preview { html, .. })) => html,
        _ => initial_html.clone(),
    };
    let warnings = move || match preview.value().get() {
        Some(Ok(Preview { warnings, .. })) => warnings,
        _ => Vec::new(),
    };
    let field_id = format!("section-{section_id}-body");
    let label = section.heading.clone();
    view! {
        <ActionForm action=actions.section attr:class="stack-form section-editor" on:submit=move |_| actions.last_section.set(section_id)>
            <FormError error fields=&["body"] />
            <input type="hidden" name="post_mortem_id" value=post_mortem_id />
            <input type="hidden" name="section_id" value=section_id />
            <input type="hidden" name="revision" value=section.revision />
            <div class="field" class:invalid=move || error.get().and_then(|e| e.message_for("body")).is_some()>
                <label for=field_id.clone()>{label}</label>
                <textarea id=field_id.clone() name="body" rows=10 on:input=on_input
                    aria-describedby=format!("{field_id}-hint")
                    inner_html=crate::domain::text::escape_html(&draft.unwrap_or_else(|| section.body.clone()))
                ></textarea>
                <p class="field-hint" id=format!("{field_id}-hint")>"Markdown. The preview below is what readers will see."</p>
                <crate::components::form::FieldMessage error field="body" />
            </div>
            <div class="blame-check" role="status" aria-live="polite">
                {move || {
                    let list = warnings();
                    (!list.is_empty()).then(|| view! {
                        <div class="notice warning">
                            <p><strong>"Blameless check: "</strong>"these sentences may read as blaming a person. Consider describing the system instead."</p>
                            <ul>
                                {list.into_iter().map(|w| view! { <li><q>{w.sentence}</q>" — "{w.suggestion}</li> }).collect_view()}
                            </ul>
                        </div>
                    })
                }}
            </div>
            <div class="markdown-preview" aria-label=format!("Preview of {}", section.heading)>
                <p class="cell-sub">"Preview"</p>
                <div class="entry-body" inner_html=preview_html></div>
            </div>
            <SubmitButton label="Save section" pending_label="Saving…" pending=actions.section.pending().into() />
        </ActionForm>
    }
}

#[component]
fn ImpactCard(data: PostMortemView, actions: Actions) -> impl IntoView {
    let error = action_error(actions.details);
    let pm = data.post_mortem.clone();
    let figure = |label: &'static str, value: String| {
        view! { <div><dt>{label}</dt><dd>{if value.is_empty() { "Not given".to_string() } else { value }}</dd></div> }
    };
    view! {
        <section class="card" aria-labelledby="impact-heading">
            <h2 id="impact-heading">"Impact figures"</h2>
            <dl class="facts">
                {figure("Duration", data.duration.clone().map(|d| format!("{d} (impact started to resolved)")).unwrap_or_default())}
                {figure("Users affected", pm.users_affected.clone())}
                {figure("Financial impact", pm.financial_impact.clone())}
                {figure("SLOs breached", pm.slos_breached.clone())}
            </dl>
            <details>
                <summary>"Key times"</summary>
                <dl class="facts">
                    {data.key_times.clone().into_iter().map(|(label, at)| view! { <div><dt>{label}</dt><dd>{at}</dd></div> }).collect_view()}
                </dl>
            </details>
            {data.can_edit.then(|| view! {
                <details open=move || error.get().is_some()>
                    <summary>"Edit impact and owner"</summary>
                    <ActionForm action=actions.details attr:class="stack-form">
                        <FormError error fields=&["owner_id", "users_affected", "financial_impact", "slos_breached"] />
                        <input type="hidden" name="post_mortem_id" value=pm.id />
                        <input type="hidden" name="revision" value=pm.revision />
                        <SelectField label="Owner" name="owner_id" error options=people_options(&data.people, None) selected=pm.owner_id.to_string() id_prefix="details-" />
                        <Field label="Users affected" name="users_affected" value=pm.users_affected.clone() error required=false id_prefix="details-" />
                        <Field label="Financial impact" name="financial_impact" value=pm.financial_impact.clone() error required=false id_prefix="details-" />
                        <Field label="SLOs breached" name="slos_breached" value=pm.slos_breached.clone() error required=false id_prefix="details-" />
                        <SubmitButton label="Save impact" pending_label="Saving…" pending=actions.details.pending().into() />
                    </ActionForm>
                </details>
            })}
        </section>
    }
}

#[component]
fn FactorsCard(data: PostMortemView, actions: Actions) -> impl IntoView {
    let error = action_error(actions.add_factor);
    let remove_error = action_error(actions.remove_factor);
    let form = reset_after_success(actions.add_factor);
    let pm_id = data.post_mortem.id;
    let categories: Vec<(String, String)> = FactorCategory::ALL.iter().map(|c| (c.as_str().to_string(), c.label().to_string())).collect();
    view! {
        <section class="card" aria-labelledby="factors-heading" id="factors">
            <h2 id="factors-heading">"Contributing factors"</h2>
            <FormError error=remove_error fields=&[] />
            {if data.factors.is_empty() {
                view! { <p class="empty-state">"No contributing factors yet. What made this possible, or worse?"</p> }.into_any()
            } else {
                view! {
                    <ul class="catalog-list">
                        {data.factors.clone().into_iter().map(|factor| view! {
                            <li class="catalog-item">
                                <div class="catalog-head">
                                    <span class="badge">{factor.category.label()}</span>
                                    <span>{factor.description.clone()}</span>
                                </div>
                                {data.can_edit.then(|| view! {
                                    <ActionForm action=actions.remove_factor attr:class="inline-form">
                                        <input type="hidden" name="post_mortem_id" value=pm_id />
                                        <input type="hidden" name="factor_id" value=factor.id />
                                        <button type="submit" class="button small">"Remove"<span class="visually-hidden">{format!(" {}", factor.description)}</span></button>
                                    </ActionForm>
                                })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {data.can_edit.then(|| view! {
                <ActionForm action=actions.add_factor attr:class="stack-form" node_ref=form>
                    <FormError error fields=&["category", "description"] />
                    <input type="hidden" name="post_mortem_id" value=pm_id />
                    <SelectField label="Category" name="category" error options=categories id_prefix="factor-" />
                    <Field label="Factor" name="description" error id_prefix="factor-" />
                    <SubmitButton label="Add factor" pending_label="Adding…" pending=actions.add_factor.pending().into() />
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn ReviewCard(data: PostMortemView, actions: Actions) -> impl IntoView {
    let reviewer_error = action_error(actions.reviewer);
    let review_error = action_error(actions.review);
    let comment_error = action_error(actions.comment);
    let comment_form = reset_after_success(actions.comment);
    let pm = data.post_mortem.clone();
    let can_choose = data.can_edit && pm.status != PostMortemStatus::Published;
    let mut candidates = vec![("0".to_string(), "Choose someone".to_string())];
    candidates.extend(
        data.people.iter().filter(|(id, _)| !data.reviewers.iter().any(|r| r.user_id == *id)).map(|(id, name)| (id.to_string(), name.clone())),
    );
    view! {
        <section class="card" aria-labelledby="review-heading" id="review">
            <h2 id="review-heading">"Review"</h2>
            <FormError error=reviewer_error fields=&["user_id"] />
            {if data.reviewers.is_empty() {
                view! { <p class="empty-state">"No reviewers yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="catalog-list" aria-label="Reviewers">
                        {data.reviewers.clone().into_iter().map(|r| view! {
                            <li class="catalog-item">
                                <div class="catalog-head">
                                    <span class="cell-title">{r.name.clone()}</span>
                                    <span class=format!("badge decision-{}", r.decision.as_str())>{r.decision.label()}</span>
                                </div>
                                {can_choose.then(|| view! {
                                    <ActionForm action=actions.reviewer attr:class="inline-form">
                                        <input type="hidden" name="post_mortem_id" value=pm.id />
                                        <input type="hidden" name="user_id" value=r.user_id />
                                        <input type="hidden" name="add" value="false" />
                                        <button type="submit" class="button small">"Remove"<span class="visually-hidden">{format!(" {} as reviewer", r.name)}</span></button>
                                    </ActionForm>
                                })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {can_choose.then(|| view! {
                <ActionForm action=actions.reviewer attr:class="inline-fields">
                    <input type="hidden" name="post_mortem_id" value=pm.id />
                    <input type="hidden" name="add" value="true" />
                    <SelectField label="Reviewer" name="user_id" error=reviewer_error options=candidates.clone() id_prefix="review-" />
                    <SubmitButton label="Add reviewer" pending_label="Adding…" pending=actions.reviewer.pending().into() />
                </ActionForm>
            })}
            {data.can_review.then(|| view! {
                <ActionForm action=actions.review attr:class="stack-form">
                    <FormError error=review_error fields=&["decision", "comment"] />
                    <input type="hidden" name="post_mortem_id" value=pm.id />
                    <SelectField label="Your review" name="decision" error=review_error
                        options=vec![("approved".into(), "Approve".into()), ("changes_requested".into(), "Ask for changes".into())] id_prefix="review-" />
                    <TextArea label="Review comment" name="comment" error=review_error rows=3 id_prefix="review-" hint="Needed when you ask for changes." />
                    <SubmitButton label="Submit review" pending_label="Submitting…" pending=actions.review.pending().into() />
                </ActionForm>
            })}
            <h3>"Conversation"</h3>
            {if data.comments.is_empty() {
                view! { <p class="empty-state">"No comments yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="timeline">
                        {data.comments.clone().into_iter().map(|(c, at)| view! {
                            <li class="timeline-entry">
                                <p class="entry-meta"><span class="entry-actor">{c.author_name.clone()}</span>" · "{at}
                                    {Decision::parse(&c.kind).map(|d| view! { " · "<span class="badge">{d.label()}</span> })}
                                </p>
                                <div class="entry-body" inner_html=c.body_html.clone()></div>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            {data.can_respond.then(|| view! {
                <ActionForm action=actions.comment attr:class="stack-form" node_ref=comment_form>
                    <input type="hidden" name="post_mortem_id" value=pm.id />
                    <TextArea label="Comment" name="body" error=comment_error rows=2 id_prefix="comment-" required=true draft=actions.comment_draft />
                    <SubmitButton label="Comment" pending_label="Sending…" pending=actions.comment.pending().into() class="button" />
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn HistoryCard(data: PostMortemView) -> impl IntoView {
    let count = data.edits.len();
    view! {
        <section class="card" aria-labelledby="history-heading">
            <h2 id="history-heading">"Edit history"</h2>
            {if data.edits.is_empty() {
                view! { <p class="empty-state">"No edits yet."</p> }.into_any()
            } else {
                view! {
                    <details>
                        <summary>{format!("{count} earlier version{}", if count == 1 { "" } else { "s" })}</summary>
                        <ol class="note-history">
                            {data.edits.clone().into_iter().map(|(edit, at)| view! {
                                <li>
                                    <p class="entry-meta">{format!("{} changed {} · {at}", edit.edited_by_name, edit.part)}</p>
                                    <pre class="note-source">{if edit.previous.is_empty() { "(empty)".to_string() } else { edit.previous.clone() }}</pre>
                                </li>
                            }).collect_view()}
                        </ol>
                    </details>
                }.into_any()
            }}
        </section>
    }
}

// ---- the incident page's card ----

/// An incident's post-mortem, loaded by the incident page (`api::post_mortems::incident_post_mortem`).
pub type IncidentPostMortemResource = Resource<Result<IncidentPostMortemView, crate::errors::AppError>>;

/// Loads what the incident page's post-mortem card shows.
pub fn incident_post_mortem_resource(id: impl Fn() -> i64 + Send + Sync + 'static, reload: impl Fn() -> u64 + Send + Sync + 'static) -> IncidentPostMortemResource {
    Resource::new(move || (id(), reload()), |(id, _)| incident_post_mortem(id))
}

#[component]
pub fn PostMortemCard(
    incident_id: i64,
    data: IncidentPostMortemResource,
    start: ServerAction<StartPostMortem>,
    add_item: ServerAction<CreateActionItem>,
    set_status: ServerAction<crate::api::action_items::SetActionItemStatus>,
) -> impl IntoView {
    let error = action_error(start);
    let add_item_error = action_error(add_item);
    let back_to = format!("/incidents/{incident_id}");
    view! {
        <section class="card" aria-labelledby="post-mortem-heading">
            <h2 id="post-mortem-heading">"Post-mortem"</h2>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || data.get().map(|loaded| match loaded {
                    Ok(view_data) => {
                        let back_to = back_to.clone();
                        view! {
                            {match view_data.post_mortem.clone() {
                                Some(pm) => view! {
                                    <p>
                                        <a href=format!("/post-mortems/{}", pm.id)>"Open the post-mortem"</a>" "
                                        <PostMortemStatusBadge status=pm.status />
                                    </p>
                                    <p class="muted">{format!("Owner: {}", pm.owner_name)}</p>
                                }.into_any(),
                                None if view_data.can_start => view! {
                                    <ActionForm action=start attr:class="stack-form">
                                        <FormError error fields=&["owner_id", "template_id"] />
                                        <input type="hidden" name="incident_id" value=incident_id />
                                        <SelectField label="Post-mortem owner" name="owner_id" error options=people_options(&view_data.people, None)
                                            selected=view_data.viewer_id.to_string() id_prefix="start-" />
                                        <SelectField label="Template" name="template_id" error
                                            options=view_data.templates.iter().map(|(id, name)| (id.to_string(), name.clone())).collect() id_prefix="start-" />
                                        <SubmitButton label="Start post-mortem" pending_label="Starting…" pending=start.pending().into() />
                                    </ActionForm>
                                }.into_any(),
                                None => view! { <p class="muted">"A post-mortem can be started once the incident is resolved."</p> }.into_any(),
                            }}
                            <h3>"Action items"</h3>
                            <p class="muted">{view_data.completion.text()}</p>
                            <ItemList rows=view_data.items.clone() can_respond=view_data.can_respond set_status back_to=back_to.clone() compact=true />
                            {view_data.can_respond.then(|| view! {
                                <details open=move || add_item_error.get().is_some()>
                                    <summary>"Add an action item"</summary>
                                    <NewItemForm create=add_item incident_id people=view_data.item_people.clone() viewer_id=view_data.viewer_id
                                        back_to=back_to.clone() />
                                </details>
                            })}
                        }.into_any()
                    }
                    Err(error) => view! { <AppErrorView error /> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

// ---- templates (settings) ----

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let save = ServerAction::<SaveTemplate>::new();
    let delete = ServerAction::<DeleteTemplate>::new();
    let done = [successes(save), successes(delete)];
    let last = RwSignal::new(0i64);
    let data = Resource::new(move || done.iter().map(|m| m.get()).sum::<usize>(), |_| list_templates());
    view! {
        <Title text="Post-mortem templates · Settings · Quell" />
        <RequireUser>
            <p><A href="/settings">"← Settings"</A></p>
            <h1>"Post-mortem templates"</h1>
            <p class="muted">"Each line starting with \"## \" begins a section; the text under it guides the writer. A section called \"Timeline\" is pre-filled from the incident."</p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading templates…"</p> }>
                {move || data.get().map(|loaded| match loaded {
                    Ok(view_data) => view! {
                        <ul class="catalog-list">
                            {view_data.templates.into_iter().map(|t| {
                                let prefix = format!("template-{}-", t.id);
                                view! {
                                    <li class="card">
                                        <h2>{t.name.clone()}{t.is_default.then_some(" (default)")}</h2>
                                        <p class="muted">{format!("Needs {} approval{} to publish.", t.required_approvals, if t.required_approvals == 1 { "" } else { "s" })}</p>
                                        {view_data.can_edit.then(|| view! {
                                            <details>
                                                <summary>"Edit"<span class="visually-hidden">{format!(" {}", t.name)}</span></summary>
                                                <TemplateForm save id=t.id revision=t.revision name=t.name.clone() body=t.body.clone()
                                                    approvals=t.required_approvals is_default=t.is_default prefix=prefix.clone() last />
                                                {(!t.is_default).then(|| view! {
                                                    <ActionForm action=delete attr:class="inline-form">
                                                        <input type="hidden" name="id" value=t.id />
                                                        <input type="hidden" name="revision" value=t.revision />
                                                        <button type="submit" class="button danger">"Delete template"</button>
                                                    </ActionForm>
                                                })}
                                            </details>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <FormError error=action_error(delete) fields=&[] />
                        {view_data.can_edit.then(|| view! {
                            <section class="card" aria-labelledby="new-template-heading">
                                <h2 id="new-template-heading">"New template"</h2>
                                <TemplateForm save id=0 revision=0 name=String::new() body="## Summary\n\n## Root cause\n".to_string()
                                    approvals=1 is_default=false prefix="new-template-".to_string() last />
                            </section>
                        })}
                    }.into_any(),
                    Err(error) => view! { <AppErrorView error /> }.into_any(),
                })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn TemplateForm(
    save: ServerAction<SaveTemplate>,
    id: i64,
    revision: i64,
    name: String,
    body: String,
    approvals: i64,
    is_default: bool,
    prefix: String,
    /// The template whose form was submitted last (0 for the new one).
    last: RwSignal<i64>,
) -> impl IntoView {
    let all = action_error(save);
    let error = Signal::derive(move || if last.get() == id { all.get() } else { None });
    view! {
        <ActionForm action=save attr:class="stack-form" on:submit=move |_| last.set(id)>
            <FormError error fields=&["name", "body", "required_approvals"] />
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="revision" value=revision />
            <Field label="Template name" name="name" value=name error id_prefix=prefix.clone() />
            <Field label="Approvals needed to publish" name="required_approvals" kind="number" value=approvals.to_string() error id_prefix=prefix.clone() />
            <TextArea label="Sections" name="body" value=body error rows=12 id_prefix=prefix.clone() required=true />
            {(id != 0 && !is_default).then(|| view! {
                <div class="checkbox-field">
                    <input type="checkbox" id=format!("{prefix}make_default") name="make_default" value="true" />
                    <label for=format!("{prefix}make_default")>"Make this the default template"</label>
                </div>
            })}
            <SubmitButton label=if id == 0 { "Create template" } else { "Save template" } pending_label="Saving…" pending=save.pending().into() />
        </ActionForm>
    }
}
