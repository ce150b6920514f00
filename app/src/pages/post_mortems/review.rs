//! A post-mortem's review card: reviewers, their decisions and the conversation.

use super::actions::Actions;
use crate::api::post_mortems::PostMortemView;
use crate::components::form::{FormError, SelectField, SubmitButton, TextArea};
use crate::domain::post_mortem::{Decision, PostMortemStatus};
use leptos::prelude::*;
use crate::components::post_form::PostForm;

#[component]
pub(super) fn ReviewCard(data: PostMortemView, actions: Actions) -> impl IntoView {
    let reviewer_error = actions.reviewer.error();
    let review_error = actions.review.error();
    let comment_error = actions.comment.error();
    let comment_form = actions.comment.reset_after_success();
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
                                    <PostForm action=actions.reviewer attr:class="inline-form">
                                        <input type="hidden" name="post_mortem_id" value=pm.id />
                                        <input type="hidden" name="user_id" value=r.user_id />
                                        <input type="hidden" name="add" value="false" />
                                        <button type="submit" class="button small">"Remove"<span class="visually-hidden">{format!(" {} as reviewer", r.name)}</span></button>
                                    </PostForm>
                                })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {can_choose.then(|| view! {
                <PostForm action=actions.reviewer attr:class="inline-fields">
                    <input type="hidden" name="post_mortem_id" value=pm.id />
                    <input type="hidden" name="add" value="true" />
                    <SelectField label="Reviewer" name="user_id" error=reviewer_error options=candidates.clone() id_prefix="review-" />
                    <SubmitButton label="Add reviewer" pending_label="Adding…" pending=actions.reviewer.pending().into() class="button" />
                </PostForm>
            })}
            {data.can_review.then(|| view! {
                <PostForm action=actions.review attr:class="stack-form">
                    <FormError error=review_error fields=&["decision", "comment"] />
                    <input type="hidden" name="post_mortem_id" value=pm.id />
                    <SelectField label="Your review" name="decision" error=review_error
                        options=vec![("approved".into(), "Approve".into()), ("changes_requested".into(), "Ask for changes".into())] id_prefix="review-" />
                    <TextArea label="Review comment" name="comment" error=review_error rows=3 id_prefix="review-" hint="Needed when you ask for changes." />
                    <SubmitButton label="Submit review" pending_label="Submitting…" pending=actions.review.pending().into() class="button" />
                </PostForm>
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
                <PostForm action=actions.comment attr:class="stack-form" node_ref=comment_form>
                    <input type="hidden" name="post_mortem_id" value=pm.id />
                    <TextArea label="Comment" name="body" error=comment_error rows=2 id_prefix="comment-" required=true draft=actions.comment_draft />
                    <SubmitButton label="Comment" pending_label="Sending…" pending=actions.comment.pending().into() class="button" />
                </PostForm>
            })}
        </section>
    }
}
