//! The actions of one post-mortem's page, shared by its cards.

use crate::api::action_items::CreateActionItem;
use crate::api::post_mortems::{AddFactor, CommentPostMortem, MovePostMortem, RemoveFactor, ReviewPostMortem, SaveDetails, SaveSection, SetReviewer};
use crate::components::form::successes;
use leptos::prelude::*;

/// The actions of a post-mortem's page, made once so their results outlive the data reloading.
#[derive(Clone, Copy)]
pub(super) struct Actions {
    pub(super) section: ServerAction<SaveSection>,
    pub(super) details: ServerAction<SaveDetails>,
    pub(super) add_factor: ServerAction<AddFactor>,
    pub(super) remove_factor: ServerAction<RemoveFactor>,
    pub(super) reviewer: ServerAction<SetReviewer>,
    pub(super) review: ServerAction<ReviewPostMortem>,
    /// The workflow card's one-click approval (apart from the review card's form, so each shows
    /// its own error).
    pub(super) approve: ServerAction<ReviewPostMortem>,
    pub(super) comment: ServerAction<CommentPostMortem>,
    pub(super) moved: ServerAction<MovePostMortem>,
    pub(super) add_item: ServerAction<CreateActionItem>,
    pub(super) set_status: ServerAction<crate::api::action_items::SetActionItemStatus>,
    pub(super) publish_summary: ServerAction<crate::api::updates::PublishUpdate>,
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
            section: ServerAction::new(),
            details: ServerAction::new(),
            add_factor: ServerAction::new(),
            remove_factor: ServerAction::new(),
            reviewer: ServerAction::new(),
            review: ServerAction::new(),
            approve: ServerAction::new(),
            comment: ServerAction::new(),
            moved: ServerAction::new(),
            add_item: ServerAction::new(),
            set_status: ServerAction::new(),
            publish_summary: ServerAction::new(),
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
            successes(self.section),
            successes(self.details),
            successes(self.add_factor),
            successes(self.remove_factor),
            successes(self.reviewer),
            successes(self.review),
            successes(self.approve),
            successes(self.comment),
            successes(self.moved),
            successes(self.add_item),
            successes(self.set_status),
            successes(self.publish_summary),
        ]
    }
}
