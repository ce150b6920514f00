//! Badges for an incident's status and severity, as every list and page shows them.

use crate::domain::incident::Status;
use leptos::prelude::*;

/// A badge for an incident status.
#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status.as_str())>{status.label()}</span> }
}

/// A badge for a severity; rank 1 and 2 stand out.
#[component]
pub fn SeverityBadge(name: String, rank: i64) -> impl IntoView {
    view! { <span class=format!("badge severity severity-{}", rank.clamp(1, 4))>{name}</span> }
}
