//! The one error type that crosses the wire between server functions and the browser.
//!
//! Messages here are written for people: internal causes (database errors and the like) are
//! logged on the server with their whole chain and the browser only ever sees `Internal`.

use crate::domain::FieldError;
use serde::{Deserialize, Serialize};
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("You don't have permission to do that.")]
    Forbidden,
    #[error("{what} was not found.")]
    NotFound { what: String },
    /// Someone else changed or took the thing first (a unique value, a stale revision).
    #[error("{message}")]
    Conflict { field: Option<String>, message: String },
    /// The input was wrong; `field` names the form field the message belongs beside.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The request itself was malformed: arguments that don't decode, a body too large.
    #[error("{message}")]
    BadRequest { message: String },
    #[error("{message}")]
    TooManyRequests { message: String },
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The database can't be reached right now; nothing was changed.
    #[error("Quell can't reach its database right now; nothing was changed. Try again in a moment.")]
    Unavailable,
    /// The browser could not talk to the server, or the reply made no sense.
    #[error("Could not reach Quell: {message}")]
    Transport { message: String },
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid { field: field.to_string(), message: message.into() }
    }

    pub fn conflict(field: Option<&str>, message: impl Into<String>) -> Self {
        AppError::Conflict { field: field.map(str::to_string), message: message.into() }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound { what: what.into() }
    }

    /// The HTTP status this error is sent with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound { .. } => 404,
            AppError::Conflict { .. } => 409,
            AppError::Invalid { .. } => 422,
            AppError::BadRequest { .. } => 400,
            AppError::TooManyRequests { .. } => 429,
            AppError::Internal => 500,
            AppError::Unavailable => 503,
            AppError::Transport { .. } => 502,
        }
    }

    /// The message to show beside `field`, if this error belongs to it.
    pub fn message_for(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { field: f, message } if f == field => Some(message.clone()),
            AppError::Conflict { field: Some(f), message } if f == field => Some(message.clone()),
            _ => None,
        }
    }
}

impl From<FieldError> for AppError {
    fn from(err: FieldError) -> Self {
        AppError::Invalid { field: err.field.to_string(), message: err.message }
    }
}

impl FromServerFnError for AppError {
    type Encoder = crate::wire::JsonText;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                AppError::BadRequest { message: format!("The form was incomplete or malformed: {message}") }
            }
            // On the server these come only from decoding what the client sent (a body that is
            // no form, text that is not UTF-8): the request is at fault.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Request(message) | ServerFnErrorErr::Deserialization(message) => {
                AppError::BadRequest { message: format!("The request could not be read: {message}") }
            }
            #[cfg(not(feature = "ssr"))]
            ServerFnErrorErr::Request(message) | ServerFnErrorErr::Deserialization(message) => AppError::Transport { message },
            ServerFnErrorErr::Response(message) => AppError::Transport { message },
            _ => AppError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_are_found_by_their_field() {
        let err = AppError::invalid("email", "Enter an email address.");
        assert_eq!(err.message_for("email").as_deref(), Some("Enter an email address."));
        assert_eq!(err.message_for("password"), None);
    }

    #[test]
    fn errors_survive_the_wire() {
        let err = AppError::conflict(Some("email"), "Taken.");
        assert_eq!(AppError::de(err.ser()), err);
    }

    #[test]
    fn statuses_follow_http_meanings() {
        assert_eq!(AppError::Unauthenticated.status_code(), 401);
        assert_eq!(AppError::Forbidden.status_code(), 403);
        assert_eq!(AppError::Internal.status_code(), 500);
        let undecodable = AppError::from_server_fn_error(ServerFnErrorErr::Args("invalid digit found in string".into()));
        assert_eq!(undecodable.status_code(), 400);
    }
}
