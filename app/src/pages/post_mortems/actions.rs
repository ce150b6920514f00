//! The actions of one post-mortem's page, shared by its cards.

use crate::api::action_items::CreateActionItem;
use crate::api::post_mortems::{AddFactor, CommentPostMortem, MovePostMortem, RemoveFactor, ReviewPostMortem, SaveDetails, SaveSection, SetReviewer};
use leptos::prelude::*;
use crate::components::post_form::FormAction;

/// The actions of a post-mortem's page, made once so their results outlive the data reloading.
#[derive(Clone, Copy)]
pub(super) struct Actions {
    pub(super) section: FormAction,
    pub(super) details: FormAction,
    pub(super) add_factor: FormAction,
    pub(super) remove_factor: FormAction,
    pub(super) reviewer: FormAction,
    pub(super) review: FormAction,
    /// The workflow card's one-click approval (apart from the review card's form, so each shows
    /// its own error).
    pub(super) approve: FormAction,
    pub(super) comment: FormAction,
    pub(super) moved: FormAction,
    pub(super) add_item: FormAction,
    pub(super) set_status: FormAction,
    pub(super) publish_summary: FormAction,
    /// The section whose form was submitted last.
    pub(super) last_section: RwSignal<i64>,
    /// What is typed in section editors and not saved yet, by section id: kept when the page
    /// reloads its data (after any change, one's own or someone else's). This browser's storage
    /// keeps it too (`drafts`), so it also survives leaving the page.
    pub(super) drafts: RwSignal<std::collections::HashMap<i64, String>>,
    /// Drafts found in this browser's storage when the page loaded, different from the saved
    /// text, and offered back (Restore / Discard) until the person chooses, by section id.
    pub(super) offered: RwSignal<std::collections::HashMap<i64, String>>,
    /// Section editors open on this page, by section id: they stay open when the page reloads
    /// its data under them (a live update), until saved or closed.
    pub(super) open_editors: RwSignal<std::collections::HashSet<i64>>,
    pub(super) comment_draft: RwSignal<Option<String>>,
    /// Who is looking (0 until the session has loaded): drafts in this browser are theirs only.
    pub(super) viewer: Signal<i64>,
}

impl Actions {
    pub(super) fn new() -> Actions {
        Actions {
            section: FormAction::new::<SaveSection>(),
            details: FormAction::new::<SaveDetails>(),
            add_factor: FormAction::new::<AddFactor>(),
            remove_factor: FormAction::new::<RemoveFactor>(),
            reviewer: FormAction::new::<SetReviewer>(),
            review: FormAction::new::<ReviewPostMortem>(),
            approve: FormAction::new::<ReviewPostMortem>(),
            comment: FormAction::new::<CommentPostMortem>(),
            moved: FormAction::new::<MovePostMortem>(),
            add_item: FormAction::new::<CreateActionItem>(),
            set_status: FormAction::new::<crate::api::action_items::SetActionItemStatus>(),
            publish_summary: FormAction::new::<crate::api::updates::PublishUpdate>(),
            last_section: RwSignal::new(0),
            drafts: RwSignal::new(std::collections::HashMap::new()),
            offered: RwSignal::new(std::collections::HashMap::new()),
            open_editors: RwSignal::new(std::collections::HashSet::new()),
            comment_draft: RwSignal::new(None),
            viewer: {
                let session = crate::components::session::use_session();
                Signal::derive(move || session.user().map(|user| user.id).unwrap_or(0))
            },
        }
    }

    /// Goes up after each success (not after a failure, so a refused form keeps what was typed).
    pub(super) fn successes(self) -> [Memo<usize>; 12] {
        [
            self.section.successes(),
            self.details.successes(),
            self.add_factor.successes(),
            self.remove_factor.successes(),
            self.reviewer.successes(),
            self.review.successes(),
            self.approve.successes(),
            self.comment.successes(),
            self.moved.successes(),
            self.add_item.successes(),
            self.set_status.successes(),
            self.publish_summary.successes(),
        ]
    }
}
