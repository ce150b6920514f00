//! A post-mortem's sections, their table of contents, and its contributing factors.
//!
//! A section shows its text; its editor (Markdown, a live preview with the blameless check, and
//! Save) stays folded behind "Edit" — a native `<details>`, so it opens without JavaScript and
//! from the keyboard — and opens by itself only when there is something to attend to: a failed
//! save of that section, or an unsaved draft this browser kept (`drafts`), offered back with
//! Restore / Discard. The table of contents says of each section whether it is empty or written,
//! and, once the page runs in the browser, whether an unsaved draft of it exists.

use super::actions::Actions;
use super::drafts;
use crate::api::post_mortems::{PostMortemView, Preview};
use crate::components::form::{Field, FormError, SelectField, SubmitButton};
use crate::domain::post_mortem::{is_impact_heading, FactorCategory, Section};
use crate::errors::AppError;
use leptos::prelude::*;
use crate::components::post_form::PostForm;

/// The section whose text is shown with the impact figures (the first one headed "Impact").
pub(super) fn impact_section_id(sections: &[Section]) -> Option<i64> {
    sections.iter().find(|s| is_impact_heading(&s.heading)).map(|s| s.id)
}

/// Whether an unsaved draft of `section` exists in this page or this browser: typed and
/// different from the saved text, or found in storage and offered back. Always false on the
/// server (drafts live in the browser).
fn has_draft(actions: Actions, section: &Section) -> bool {
    actions.offered.with(|o| o.contains_key(&section.id))
        || actions.drafts.with(|d| d.get(&section.id).is_some_and(|text| section.differs_from(text)))
}

/// The error of the last save of `section_id`, when this page knows it was that section's (it
/// submitted it with JavaScript). A failed plain form post doesn't say which section it was: the
/// table of contents shows that error once (`plain_post_error`) rather than every editor.
fn section_error(actions: Actions, section_id: i64) -> Signal<Option<AppError>> {
    let all = actions.section.error();
    Signal::derive(move || if actions.last_section.get() == section_id { all.get() } else { None })
}

/// The error of a section saved by a plain form post (no JavaScript), which names no section.
fn plain_post_error(actions: Actions) -> Signal<Option<AppError>> {
    let all = actions.section.error();
    Signal::derive(move || if actions.last_section.get() == 0 { all.get() } else { None })
}

/// Looks for drafts this browser kept of `sections` and offers back those that differ from the
/// saved text (a draft equal to it is forgotten). Runs in the browser once the page is drawn;
/// sections with a draft typed in this page already are left alone.
pub(super) fn offer_stored_drafts(post_mortem_id: i64, sections: Vec<Section>, actions: Actions) {
    Effect::new(move |_| {
        let mut found = Vec::new();
        for section in &sections {
            if actions.drafts.with_untracked(|d| d.contains_key(&section.id))
                || actions.offered.with_untracked(|o| o.contains_key(&section.id))
            {
                continue;
            }
            match drafts::load(actions.viewer.get_untracked(), post_mortem_id, section.id) {
                Some(text) if section.differs_from(&text) => found.push((section.id, text)),
                Some(_) => drafts::forget(actions.viewer.get_untracked(), post_mortem_id, section.id),
                None => {}
            }
        }
        if !found.is_empty() {
            actions.offered.update(|offered| offered.extend(found));
        }
    });
}

/// The table of contents: a link to each section with its state, "empty" or "written" (and
/// "draft" when an unsaved draft of it exists). The impact section counts as written when it has
/// impact figures or text.
#[component]
pub(super) fn SectionsToc(data: PostMortemView, actions: Actions) -> impl IntoView {
    let impact = impact_section_id(&data.sections);
    let figures = data.post_mortem.has_impact_figures();
    let written = move |section: &Section| section.is_written() || (Some(section.id) == impact && figures);
    let total = data.sections.len();
    let done = data.sections.iter().filter(|s| written(s)).count();
    let failed = plain_post_error(actions);
    view! {
        <nav class="card post-mortem-toc" aria-labelledby="toc-heading">
            <h2 id="toc-heading">"Sections"</h2>
            <p class="muted toc-count">{format!("{done} of {total} written")}</p>
            <Show when=move || failed.get().is_some()>
                <div class="form-error" role="alert">"A section was not saved: "{move || failed.get().map(|e| e.to_string())}</div>
            </Show>
            <ol class="toc-list">
                {data.sections.clone().into_iter().map(|section| {
                    let is_written = written(&section);
                    let draft = {
                        let section = section.clone();
                        move || has_draft(actions, &section)
                    };
                    view! {
                        <li>
                            <a href=format!("#section-{}", section.id)>{section.heading.clone()}</a>
                            <span class=if is_written { "toc-state written" } else { "toc-state empty" }>
                                {if is_written { "written" } else { "empty" }}
                            </span>
                            <Show when=draft.clone()>
                                <span class="toc-state draft">"draft"</span>
                            </Show>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </nav>
    }
}

#[component]
pub(super) fn SectionCard(section: Section, post_mortem_id: i64, can_edit: bool, actions: Actions) -> impl IntoView {
    let heading_id = format!("section-{}-heading", section.id);
    let anchor = format!("section-{}", section.id);
    let heading = section.heading.clone();
    view! {
        <section class="card post-mortem-section" id=anchor aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>{heading}</h2>
            <SectionText section post_mortem_id can_edit actions />
        </section>
    }
}

/// A section's text as readers see it, and (for those who may write) its editor folded behind
/// "Edit". `impact`: the text follows the impact figures, so an empty one shows nothing (the
/// figures are the place for impact) and its fold says "Edit text".
#[component]
pub(super) fn SectionText(
    section: Section,
    post_mortem_id: i64,
    can_edit: bool,
    actions: Actions,
    #[prop(optional)] impact: bool,
) -> impl IntoView {
    let section_id = section.id;
    let empty = !section.is_written();
    let error = section_error(actions, section_id);
    // Open when it was open before the data reloaded under it, this page holds typed text for
    // it, or its save just failed; a draft found in storage opens it once the page runs.
    let has_typed = actions.drafts.with_untracked(|d| d.contains_key(&section_id));
    let was_open = actions.open_editors.with_untracked(|o| o.contains(&section_id));
    let open = RwSignal::new(was_open || has_typed || error.get_untracked().is_some());
    let offered = Memo::new(move |_| actions.offered.with(|o| o.contains_key(&section_id)));
    Effect::new(move |_| {
        if offered.get() {
            open.set(true);
        }
    });
    Effect::new(move |_| {
        if error.get().is_some() {
            open.set(true);
        }
    });
    let summary: NodeRef<leptos::html::Summary> = NodeRef::new();
    let read = if empty {
        (!impact).then(|| {
            view! {
                <p class="section-empty">"Nothing written yet."</p>
                {(!section.guidance.is_empty()).then(|| view! { <p class="field-hint">{section.guidance.clone()}</p> })}
            }
            .into_any()
        })
    } else {
        Some(view! { <div class="entry-body" inner_html=section.body_html.clone()></div> }.into_any())
    };
    view! {
        <div class="section-read">
            {read}
            {section.updated_by_name.clone().filter(|_| !empty).map(|name| view! { <p class="cell-sub">{format!("Last edited by {name}")}</p> })}
        </div>
        {can_edit.then(|| view! {
            <details class="section-edit" open=move || open.get()
                on:toggle=move |ev| {
                    let now_open = event_target::<leptos::web_sys::HtmlDetailsElement>(&ev).open();
                    open.set(now_open);
                    actions.open_editors.update(|o| {
                        if now_open { o.insert(section_id) } else { o.remove(&section_id) };
                    });
                }>
                <summary node_ref=summary>
                    {if impact { "Edit text" } else { "Edit" }}
                    <span class="visually-hidden">{if impact { format!(" of {}", section.heading) } else { format!(" {}", section.heading) }}</span>
                </summary>
                <SectionEditor section=section.clone() post_mortem_id actions open summary error />
            </details>
        })}
    }
}

/// A section's editor: an unsaved draft from this browser offered back, the Markdown, a preview
/// rendered by the server as you type (with the blameless check), and Save.
#[component]
fn SectionEditor(
    section: Section,
    post_mortem_id: i64,
    actions: Actions,
    /// Whether the fold around the editor is open (closed again when a draft is discarded).
    open: RwSignal<bool>,
    /// The fold's "Edit", which takes the focus back when a draft is discarded.
    summary: NodeRef<leptos::html::Summary>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let section_id = section.id;
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
    let textarea: NodeRef<leptos::html::Textarea> = NodeRef::new();
    let saved = section.clone();
    let on_input = move |event: leptos::ev::Event| {
        let text = event_target_value(&event);
        // This browser keeps the text until it is saved, unless it is the saved text again.
        if saved.differs_from(&text) {
            drafts::store(actions.viewer.get_untracked(), post_mortem_id, section_id, &text);
        } else {
            drafts::forget(actions.viewer.get_untracked(), post_mortem_id, section_id);
        }
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
    let restore = move |_| {
        let Some(text) = actions.offered.with_untracked(|o| o.get(&section_id).cloned()) else { return };
        actions.offered.update(|o| {
            o.remove(&section_id);
        });
        actions.drafts.update(|d| {
            d.insert(section_id, text.clone());
        });
        if let Some(area) = textarea.get_untracked() {
            area.set_value(&text);
            let _ = area.focus();
        }
        preview.dispatch(text);
    };
    let discard = move |_| {
        actions.offered.update(|o| {
            o.remove(&section_id);
        });
        drafts::forget(actions.viewer.get_untracked(), post_mortem_id, section_id);
        // Back to the section as it was, unless something was typed here meanwhile.
        if !actions.drafts.with_untracked(|d| d.contains_key(&section_id)) {
            open.set(false);
            if let Some(summary) = summary.get_untracked() {
                let _ = summary.focus();
            }
        }
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
    let offer_id = format!("section-{section_id}-draft");
    let label = section.heading.clone();
    let heading = section.heading.clone();
    let described_by = if section.guidance.is_empty() {
        format!("{field_id}-hint")
    } else {
        format!("{field_id}-guidance {field_id}-hint")
    };
    view! {
        {move || actions.offered.with(|o| o.get(&section_id).cloned()).map(|text| {
            let heading = heading.clone();
            view! {
                <div class="notice draft-offer" role="group" aria-labelledby=offer_id.clone()>
                    <p class="draft-offer-title" id=offer_id.clone()>"You have an unsaved draft from this browser"</p>
                    <p class="muted">"It differs from the saved text. Restore it into the editor, or discard it."</p>
                    <details class="draft-peek">
                        <summary>"Show the draft"</summary>
                        // Focusable, so a long draft scrolls from the keyboard too.
                        <pre class="note-source" tabindex="0">{text}</pre>
                    </details>
                    <div class="draft-actions">
                        <button type="button" class="button small" on:click=restore>
                            "Restore draft"<span class="visually-hidden">{format!(" of {heading}")}</span>
                        </button>
                        <button type="button" class="button small" on:click=discard>
                            "Discard draft"<span class="visually-hidden">{format!(" of {heading}")}</span>
                        </button>
                    </div>
                </div>
            }
        })}
        <PostForm action=actions.section attr:class="stack-form section-editor" on:submit=move |_| actions.last_section.set(section_id)>
            <FormError error fields=&["body"] />
            <input type="hidden" name="post_mortem_id" value=post_mortem_id />
            <input type="hidden" name="section_id" value=section_id />
            <input type="hidden" name="revision" value=section.revision />
            <div class="field" class:invalid=move || error.get().and_then(|e| e.message_for("body")).is_some()>
                <label for=field_id.clone()>{label}</label>
                <textarea id=field_id.clone() name="body" rows=10 on:input=on_input node_ref=textarea
                    aria-describedby=described_by
                    inner_html=crate::domain::text::escape_html(&draft.unwrap_or_else(|| section.body.clone()))
                ></textarea>
                {(!section.guidance.is_empty()).then(|| view! {
                    <p class="field-hint" id=format!("{field_id}-guidance")>{section.guidance.clone()}</p>
                })}
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
        </PostForm>
    }
}

#[component]
pub(super) fn FactorsCard(data: PostMortemView, actions: Actions) -> impl IntoView {
    let error = actions.add_factor.error();
    let remove_error = actions.remove_factor.error();
    let form = actions.add_factor.reset_after_success();
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
                                    <PostForm action=actions.remove_factor attr:class="inline-form">
                                        <input type="hidden" name="post_mortem_id" value=pm_id />
                                        <input type="hidden" name="factor_id" value=factor.id />
                                        <button type="submit" class="button small">"Remove"<span class="visually-hidden">{format!(" {}", factor.description)}</span></button>
                                    </PostForm>
                                })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {data.can_edit.then(|| view! {
                <PostForm action=actions.add_factor attr:class="stack-form" node_ref=form>
                    <FormError error fields=&["category", "description"] />
                    <input type="hidden" name="post_mortem_id" value=pm_id />
                    <SelectField label="Category" name="category" error options=categories id_prefix="factor-" />
                    <Field label="Factor" name="description" error id_prefix="factor-" />
                    <SubmitButton label="Add factor" pending_label="Adding…" pending=actions.add_factor.pending().into() class="button" />
                </PostForm>
            })}
        </section>
    }
}
