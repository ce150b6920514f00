//! Post-mortems: the list (filters and search), one post-mortem (a table of contents, sections
//! shown as text with their editors folded behind "Edit" — live preview, the blameless check,
//! unsaved drafts kept in the browser — the impact figures in the impact section's place,
//! contributing factors, action items, review and history), the incident page's post-mortem
//! card, and the templates settings page.
//!
//! Here: the status badge they share. `list` is the list; `post_mortem` is one post-mortem's page
//! with its workflow card, whose table of contents, sections and contributing factors are in
//! `sections`, impact figures in `impact` and review card in `review`; `drafts` keeps unsaved
//! section text in the browser's storage; `actions` are the page's actions; `incident_card` is
//! the incident page's card; `templates` is the settings page.

use crate::domain::post_mortem::PostMortemStatus;
use leptos::prelude::*;

mod actions;
mod drafts;
mod impact;
mod incident_card;
mod list;
mod post_mortem;
mod review;
mod sections;
mod templates;

pub use incident_card::*;
pub use list::*;
pub use post_mortem::*;
pub use templates::*;

#[component]
pub fn PostMortemStatusBadge(status: PostMortemStatus) -> impl IntoView {
    view! { <span class=format!("badge post-mortem-{}", status.as_str())>{status.label()}</span> }
}
