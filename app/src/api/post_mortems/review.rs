//! The review workflow: reviewers, their decisions, the conversation, and moving a post-mortem
//! between draft, review and published.

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::errors::AppError;
use leptos::prelude::*;

/// Adds (`add` true) or removes a reviewer. Those who may edit the text may choose reviewers.
#[server(prefix = "/api", endpoint = "post-mortems/reviewer", output = crate::wire::Json)]
pub async fn set_reviewer(post_mortem_id: i64, user_id: i64, add: bool) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::store::StoreError;
    use super::ssr::*;
    crate::api::support::respond(server_span!(post_mortem_id, user_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let post_mortem = load_for_edit(&state, post_mortem_id, &viewer).await?;
        let result = if add {
            check_person(&state, user_id, "user_id").await?;
            if user_id == post_mortem.owner_id {
                return Err(AppError::invalid("user_id", "The owner can't review their own post-mortem: choose someone else."));
            }
            state.store.add_post_mortem_reviewer(post_mortem_id, user_id, viewer.id, state.now()).await
        } else {
            state.store.remove_post_mortem_reviewer(post_mortem_id, user_id).await
        };
        match result {
            Ok(()) => {}
            Err(StoreError::Unique(_)) => return Err(AppError::invalid("user_id", "They review it already.")),
            Err(other) => return Err(edit_error(other)),
        }
        changed(&state, post_mortem.incident_id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/post-mortems/{post_mortem_id}#review")))
    })
    .await
}

/// A reviewer approves (`decision` "approved") or asks for changes ("changes_requested"), with an
/// optional comment (required when asking for changes).
#[server(prefix = "/api", endpoint = "post-mortems/review", output = crate::wire::Json)]
pub async fn review_post_mortem(post_mortem_id: i64, decision: String, comment: String) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::Decision;
    use super::ssr::*;
    crate::api::support::respond(server_span!(post_mortem_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let post_mortem = load(&state, post_mortem_id).await?;
        // An owner who was a reviewer before taking the post-mortem over can't review it either.
        if post_mortem.owner_id == viewer.id || !is_reviewer(&state, post_mortem_id, &viewer).await? {
            return Err(AppError::Forbidden);
        }
        let decision = match Decision::parse(&decision) {
            Some(d @ (Decision::Approved | Decision::ChangesRequested)) => d,
            _ => return Err(AppError::invalid("decision", "Approve, or ask for changes.")),
        };
        let comment = comment.trim();
        if decision == Decision::ChangesRequested && comment.is_empty() {
            return Err(AppError::invalid("comment", "Say which changes you would like."));
        }
        if comment.chars().count() > 10_000 {
            return Err(AppError::invalid("comment", "Keep a comment under 10,000 characters."));
        }
        let text = match (decision, comment.is_empty()) {
            (Decision::Approved, true) => "Approved.".to_string(),
            (_, _) => comment.to_string(),
        };
        state
            .store
            .decide_post_mortem(post_mortem_id, viewer.id, decision, &text, &crate::markdown::render(&text), state.now())
            .await
            .map_err(|e| match e {
                crate::store::StoreError::Stale => AppError::conflict(None, "It is not in review any more: reload to see where it is."),
                other => internal(other),
            })?;
        changed(&state, post_mortem.incident_id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/post-mortems/{post_mortem_id}#review")))
    })
    .await
}

#[server(prefix = "/api", endpoint = "post-mortems/comment", output = crate::wire::Json)]
pub async fn comment_post_mortem(post_mortem_id: i64, body: String) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use super::ssr::*;
    crate::api::support::respond(server_span!(post_mortem_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let post_mortem = load(&state, post_mortem_id).await?;
        let body = body.trim();
        if body.is_empty() {
            return Err(AppError::invalid("body", "Write a comment first."));
        }
        if body.chars().count() > 10_000 {
            return Err(AppError::invalid("body", "Keep a comment under 10,000 characters."));
        }
        state
            .store
            .add_post_mortem_comment(post_mortem_id, viewer.id, body, &crate::markdown::render(body), state.now())
            .await
            .or_internal()?;
        changed(&state, post_mortem.incident_id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/post-mortems/{post_mortem_id}#review")))
    })
    .await
}

/// Moves the workflow: `to` is "in_review", "draft" or "published"; `from` is the status the
/// page showed. Only its owner and admins move it.
#[server(prefix = "/api", endpoint = "post-mortems/move", output = crate::wire::Json)]
pub async fn move_post_mortem(post_mortem_id: i64, from: String, to: String) -> Result<String, AppError> {
    use crate::domain::permissions::{OrgRole, Permission};
    use crate::domain::post_mortem::PostMortemStatus;
    use crate::store::post_mortems::MoveError;
    use crate::store::StoreError;
    use super::ssr::*;
    crate::api::support::respond(server_span!(post_mortem_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let post_mortem = load(&state, post_mortem_id).await?;
        if post_mortem.owner_id != viewer.id && viewer.role != OrgRole::Admin {
            return Err(AppError::Forbidden);
        }
        let (Some(from), Some(to)) = (PostMortemStatus::parse(&from), PostMortemStatus::parse(&to)) else {
            return Err(AppError::invalid("to", "Choose a step of the workflow."));
        };
        let event = match to {
            PostMortemStatus::InReview => format!("{} sent it to review.", viewer.display_name),
            PostMortemStatus::Draft => format!("{} took it back to draft.", viewer.display_name),
            PostMortemStatus::Published => format!("{} published it.", viewer.display_name),
        };
        let html = crate::markdown::text(&event);
        match state.store.move_post_mortem(post_mortem_id, from, to, viewer.id, &event, &html, state.now()).await {
            Ok(()) => {}
            Err(MoveError::Refused(sentence)) => return Err(AppError::conflict(None, sentence)),
            Err(MoveError::Store(StoreError::Stale)) => {
                return Err(AppError::conflict(None, "Its status changed while you were looking: reload to see where it is."))
            }
            Err(MoveError::Store(other)) => return Err(internal(other)),
        }
        tracing::info!(post_mortem_id, to = to.as_str(), "post-mortem moved");
        changed(&state, post_mortem.incident_id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/post-mortems/{post_mortem_id}")))
    })
    .await
}
