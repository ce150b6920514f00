//! A post-mortem's sections (each with its editor: live preview and blameless check) and its
//! contributing factors.

use super::actions::Actions;
use crate::api::post_mortems::{PostMortemView, Preview};
use crate::components::form::{action_error, reset_after_success, Field, FormError, SelectField, SubmitButton};
use crate::domain::post_mortem::{FactorCategory, Section};
use leptos::prelude::*;

#[component]
pub(super) fn SectionCard(section: Section, post_mortem_id: i64, can_edit: bool, actions: Actions) -> impl IntoView {
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
            <div class="markdown-preview" role="region" aria-label=format!("Preview of {}", section.heading)>
                <p class="cell-sub">"Preview"</p>
                <div class="entry-body" inner_html=preview_html></div>
            </div>
            <SubmitButton label="Save section" pending_label="Saving…" pending=actions.section.pending().into() />
        </ActionForm>
    }
}

#[component]
pub(super) fn FactorsCard(data: PostMortemView, actions: Actions) -> impl IntoView {
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
