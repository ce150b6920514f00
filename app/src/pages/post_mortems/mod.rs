//! Post-mortems: the list (filters and search), one post-mortem (sections with a live preview and
//! the blameless check, impact, contributing factors, action items, review and history), the
//! incident page's post-mortem card, and the templates settings page.
//!
//! Here: the status badge they share. `list` is the list; `post_mortem` is one post-mortem's page,
//! whose section editors and contributing factors are in `sections` and whose review card is in
//! `review`; `incident_card` is the incident page's card; `templates` is the settings page.

use crate::domain::post_mortem::PostMortemStatus;
use leptos::prelude::*;

mod actions;
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
