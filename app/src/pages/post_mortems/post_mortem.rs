//! One post-mortem's page: its header and workflow (whose primary button is the next step for
//! the viewer), the customer summary, the table of contents, its sections and contributing
//! factors (`sections`), the impact figures in the impact section's place (`impact`), action
//! items, review (`review`) and history.

use super::actions::Actions;
use super::drafts;
use super::impact::{ImpactCard, ImpactSection};
use super::review::ReviewCard;
use super::sections::{impact_section_id, offer_stored_drafts, FactorsCard, SectionCard, SectionsToc};
use super::PostMortemStatusBadge;
use crate::api::post_mortems::{get_post_mortem, PostMortemView};
use crate::components::action_items::{ItemList, NewItemForm};
use crate::components::form::{Field, FormError, SubmitButton, TextArea};
use crate::components::layout::RequireUser;
use crate::components::title::PageTitle;
use crate::domain::post_mortem::{Decision, PostMortemStatus};
use leptos::prelude::*;
use crate::components::post_form::PostForm;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PostMortemPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0));
    let actions = Actions::new();
    let done = actions.successes();
    // A saved section's draft is done with, here and in this browser's storage; so is a sent
    // comment.
    Effect::new(move |_| {
        if actions.section.succeeded() {
            let saved = actions.last_section.get_untracked();
            actions.drafts.update(|drafts| {
                drafts.remove(&saved);
            });
            actions.offered.update(|offered| {
                offered.remove(&saved);
            });
            actions.open_editors.update(|open| {
                open.remove(&saved);
            });
            let post_mortem_id = params.with_untracked(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0));
            drafts::forget(actions.viewer.get_untracked(), post_mortem_id, saved);
        }
    });
    Effect::new(move |_| {
        if actions.comment.succeeded() {
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
    let body = crate::components::plain::PageBody::new();
    view! {
        <RequireUser>
            <p><A href="/post-mortems">"← Post-mortems"</A></p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading the post-mortem…"</p> }>
                {move || body.show(move || data.get(), |view_data| view! { <PostMortemBody data=view_data actions /> })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn PostMortemBody(data: PostMortemView, actions: Actions) -> impl IntoView {
    let pm = data.post_mortem.clone();
    let reference = crate::domain::incident::reference(pm.incident_id);
    let back_to = format!("/post-mortems/{}", pm.id);
    let add_item_error = actions.add_item.error();
    let impact = impact_section_id(&data.sections);
    if data.can_edit {
        offer_stored_drafts(pm.id, data.sections.clone(), actions);
    }
    view! {
        <PageTitle text=format!("Post-mortem {reference} {} · Quell", pm.incident_title) />
        <header class="page-head">
            <p class="reference">"Post-mortem of "<a href=format!("/incidents/{}", pm.incident_id)>{reference.clone()}</a></p>
            <h1>{pm.incident_title.clone()}</h1>
            <div class="badges" role="group" aria-label="Status">
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
                <SectionsToc data=data.clone() actions />
                {data.sections.clone().into_iter().map(|section| {
                    if Some(section.id) == impact {
                        view! { <ImpactSection section data=data.clone() actions /> }.into_any()
                    } else {
                        view! { <SectionCard section post_mortem_id=pm.id can_edit=data.can_edit actions /> }.into_any()
                    }
                }).collect_view()}
                <FactorsCard data=data.clone() actions />
            </div>
            <aside class="incident-side">
                {impact.is_none().then(|| view! { <ImpactCard data=data.clone() actions /> })}
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

/// Where the post-mortem is in its workflow, and the viewer's next step as the one primary
/// button: a draft's owner sends it to review; in review, a reviewer who has not approved yet
/// approves, and the owner publishes once the approvals suffice. A step the rules would refuse
/// (`check_move`, as the server reports it in `send_blocker` and `publish_blocker`) is a disabled
/// secondary button with the reason beside it, rather than a primary button that can only fail.
#[component]
fn WorkflowCard(data: PostMortemView, actions: Actions) -> impl IntoView {
    let error = actions.moved.error();
    let approve_error = actions.approve.error();
    let pm = data.post_mortem.clone();
    let required = pm.required_approvals;
    let explain = match pm.status {
        PostMortemStatus::Draft => "Write it together; when it is ready, add reviewers and send it to review.".to_string(),
        PostMortemStatus::InReview => format!(
            "In review: {} of {required} approval{} needed to publish.",
            data.approvals,
            if required == 1 { "" } else { "s" }
        ),
        PostMortemStatus::Published => "Published.".to_string(),
    };
    let my_decision = data.reviewers.iter().find(|r| r.user_id == data.viewer_id).map(|r| r.decision);
    let may_publish = data.can_move && pm.status == PostMortemStatus::InReview;
    let may_approve = data.can_review && my_decision != Some(Decision::Approved);
    let publish_is_next = may_publish && data.publish_blocker.is_none();
    let (post_mortem_id, status) = (pm.id, pm.status);
    // A move of the workflow; `blocker` disables it and says why.
    let move_button = move |to: PostMortemStatus, label: &'static str, primary: bool, blocker: Option<String>| {
        let reason_id = format!("move-{}-reason", to.as_str());
        let class = if primary && blocker.is_none() { "button primary" } else { "button" };
        view! {
            <PostForm action=actions.moved attr:class="inline-form">
                <input type="hidden" name="post_mortem_id" value=post_mortem_id />
                <input type="hidden" name="from" value=status.as_str() />
                <input type="hidden" name="to" value=to.as_str() />
                <button type="submit" class=class disabled=blocker.is_some()
                    aria-describedby=blocker.is_some().then(|| reason_id.clone())>{label}</button>
                {blocker.map(|reason| view! { <span class="workflow-reason" id=reason_id>{reason}</span> })}
            </PostForm>
        }
    };
    let approve = move || {
        view! {
            <PostForm action=actions.approve attr:class="inline-form">
                <input type="hidden" name="post_mortem_id" value=post_mortem_id />
                <input type="hidden" name="decision" value="approved" />
                <input type="hidden" name="comment" value="" />
                <button type="submit" class=if publish_is_next { "button" } else { "button primary" }>"Approve"</button>
            </PostForm>
            <a href="#review" class="workflow-link">"Ask for changes…"</a>
        }
    };
    view! {
        <section class="card workflow-card" aria-labelledby="workflow-heading">
            <h2 id="workflow-heading">"Workflow"</h2>
            <p>{explain}</p>
            <FormError error fields=&[] />
            <FormError error=approve_error fields=&[] />
            <div class="workflow-actions">
                {match status {
                    PostMortemStatus::Draft => data.can_move.then(|| {
                        move_button(PostMortemStatus::InReview, "Send to review", true, data.send_blocker.clone())
                    }).into_any(),
                    PostMortemStatus::InReview => view! {
                        {may_approve.then(approve)}
                        {(data.can_review && !may_approve).then(|| view! { <p class="workflow-note">"You approved it."</p> })}
                        {may_publish.then(|| view! {
                            {move_button(PostMortemStatus::Published, "Publish", true, data.publish_blocker.clone())}
                            {move_button(PostMortemStatus::Draft, "Back to draft", false, None)}
                        })}
                    }.into_any(),
                    PostMortemStatus::Published => ().into_any(),
                }}
            </div>
        </section>
    }
}

/// Publishes a customer-facing summary of a published post-mortem as a public update of its
/// incident (on the status page, and to its subscribers).
#[component]
fn CustomerSummaryCard(data: PostMortemView, actions: Actions) -> impl IntoView {
    let error = actions.publish_summary.error();
    let sent = Signal::derive(move || actions.publish_summary.succeeded());
    let summary = data.sections.iter().find(|s| s.heading.eq_ignore_ascii_case("Summary")).map(|s| s.body.clone()).unwrap_or_default();
    view! {
        <section class="card" aria-labelledby="customer-summary-heading">
            <h2 id="customer-summary-heading">"Customer summary"</h2>
            <p class="muted">"Optionally tell customers what happened: this goes to the status page as a public update of the incident, and to its subscribers. Write it for them: no internal names."</p>
            <Show when=move || sent.get()>
                <p class="form-success" role="status">"Published on the status page."</p>
            </Show>
            <PostForm action=actions.publish_summary attr:class="stack-form">
                <FormError error fields=&["message", "public_title"] />
                <input type="hidden" name="incident_id" value=data.post_mortem.incident_id />
                <input type="hidden" name="public" value="true" />
                <Field label="Public name" name="public_title" value=data.post_mortem.incident_title.clone() error id_prefix="summary-" />
                <TextArea label="Summary for customers" name="message" value=summary error rows=5 id_prefix="summary-" required=true />
                <SubmitButton label="Publish on the status page" pending_label="Publishing…" pending=actions.publish_summary.pending().into() />
            </PostForm>
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
