//! A post-mortem's impact: the figures (duration, users affected, financial impact, SLOs
//! breached, with the key times) and the form that edits them with the owner.
//!
//! The figures are the one place for impact on the page. A template's section headed "Impact"
//! (`domain::post_mortem::IMPACT_HEADING`; the default template has one, whose guidance sends
//! writers to the figures) is where they are shown, rather than a card of their own beside a
//! second, free-text impact editor:
//! - the section keeps its heading, its place among the sections, its `#section-<id>` anchor and
//!   its line in the table of contents (written once a figure or some text is given), so the
//!   post-mortem reads in the template's order and nothing moves about;
//! - it shows the figures instead of an empty editor of its own;
//! - text already written in it (before the figures were shown there, or a sentence on who was
//!   affected and how that someone chose to keep) is not hidden or lost: it follows the figures,
//!   editable as any section's text ("Edit text"); emptied, it goes, and only the figures remain;
//! - a template without such a section gets the figures as a card of their own beside the action
//!   items (`ImpactCard`).

use super::actions::Actions;
use super::sections::SectionText;
use crate::api::post_mortems::PostMortemView;
use crate::components::action_items::people_options;
use crate::components::form::{Field, FormError, SelectField, SubmitButton};
use crate::domain::post_mortem::Section;
use leptos::prelude::*;
use crate::components::post_form::PostForm;

/// The template's impact section (see the module's comment): its heading, the figures, and its
/// own text when it has some (or an unsaved draft of it).
#[component]
pub(super) fn ImpactSection(section: Section, data: PostMortemView, actions: Actions) -> impl IntoView {
    let heading_id = format!("section-{}-heading", section.id);
    let section_id = section.id;
    let written = section.is_written();
    let typed_here = actions.drafts.with_untracked(|d| d.contains_key(&section_id));
    let show_text = move || written || typed_here || actions.offered.with(|o| o.contains_key(&section_id));
    let can_edit = data.can_edit;
    let post_mortem_id = data.post_mortem.id;
    let text_section = section.clone();
    view! {
        <section class="card post-mortem-section impact-section" id=format!("section-{section_id}") aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>{section.heading.clone()}</h2>
            <ImpactFigures data actions />
            <Show when=show_text>
                <div class="impact-text">
                    <SectionText section=text_section.clone() post_mortem_id can_edit actions impact=true />
                </div>
            </Show>
        </section>
    }
}

/// The figures as a card of their own, for a template without an impact section.
#[component]
pub(super) fn ImpactCard(data: PostMortemView, actions: Actions) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="impact-heading">
            <h2 id="impact-heading">"Impact figures"</h2>
            <ImpactFigures data actions />
        </section>
    }
}

/// The figures, the key times, and (for those who may write) the form for the figures and the
/// owner.
#[component]
fn ImpactFigures(data: PostMortemView, actions: Actions) -> impl IntoView {
    let error = actions.details.error();
    let pm = data.post_mortem.clone();
    let figure = |label: &'static str, value: String| {
        view! { <div><dt>{label}</dt><dd>{if value.is_empty() { "Not given".to_string() } else { value }}</dd></div> }
    };
    view! {
        <dl class="facts impact-figures">
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
                <PostForm action=actions.details attr:class="stack-form">
                    <FormError error fields=&["owner_id", "users_affected", "financial_impact", "slos_breached"] />
                    <input type="hidden" name="post_mortem_id" value=pm.id />
                    <input type="hidden" name="revision" value=pm.revision />
                    <SelectField label="Owner" name="owner_id" error options=people_options(&data.people, None) selected=pm.owner_id.to_string() id_prefix="details-" />
                    <Field label="Users affected" name="users_affected" value=pm.users_affected.clone() error required=false id_prefix="details-" />
                    <Field label="Financial impact" name="financial_impact" value=pm.financial_impact.clone() error required=false id_prefix="details-" />
                    <Field label="SLOs breached" name="slos_breached" value=pm.slos_breached.clone() error required=false id_prefix="details-" />
                    <SubmitButton label="Save impact" pending_label="Saving…" pending=actions.details.pending().into() />
                </PostForm>
            </details>
        })}
    }
}
