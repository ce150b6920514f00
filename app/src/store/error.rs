use crate::errors::AppError;

/// What can go wrong in the store, classified so callers can answer people sensibly.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique index refused the write: the value is taken. Carries the index's name (Postgres)
    /// or its columns (SQLite), for the few writes that have two unique indexes.
    #[error("unique constraint {0} refused the write")]
    Unique(String),
    /// A foreign key refused the write: a row it names is gone, or another row still names the
    /// row being deleted.
    #[error("foreign key {0} refused the write")]
    ForeignKey(String),
    /// A rule of the product refused the write (checked in the same transaction).
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// The row changed since the caller read it (its revision moved on).
    #[error("the row was changed by someone else")]
    Stale,
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database can't be reached or is busy right now (no connection within the acquire
    /// timeout, a connection lost, Postgres shutting down or starting): try again shortly.
    #[error("database unavailable: {0}")]
    Unavailable(sqlx::Error),
    #[error(transparent)]
    Database(sqlx::Error),
}

/// The product's rules that the store enforces itself, inside the write's transaction, so that
/// two requests at once can't both get past them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The last active admin can't lose the admin role or be deactivated.
    LastAdmin,
    /// First-run setup has happened already.
    SetupDone,
    /// An open incident always has a commander: the role can't be left empty.
    CommanderRequired,
    /// The Incident Commander role type can't be retired.
    CommanderRetired,
    /// A service can't be inside itself or one of its own sub-services.
    ServiceParentCycle,
    /// Only a note's author edits it, and only notes are edited.
    NotNoteAuthor,
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            // SQLite names the columns rather than the index; both are good enough to match on.
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Unique(db.constraint().map(str::to_string).unwrap_or_else(|| db.message().to_string()))
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::ForeignKey(db.constraint().map(str::to_string).unwrap_or_else(|| db.message().to_string()))
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => {
                StoreError::Unavailable(err)
            }
            // Postgres: connection exceptions (08…), shutting down or starting (57P01–57P03);
            // SQLite: busy or locked past the busy timeout (5, 6).
            sqlx::Error::Database(db)
                if db.code().is_some_and(|code| code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "5" | "6" | "261" | "262" | "517" | "518" | "773")) =>
            {
                StoreError::Unavailable(err)
            }
            _ => StoreError::Database(err),
        }
    }
}

impl StoreError {
    /// Turns an unexpected store error into the opaque `Internal`, logging the real cause.
    pub fn into_internal(self) -> AppError {
        match self {
            StoreError::NotFound => AppError::not_found("That record"),
            StoreError::Unavailable(err) => {
                tracing::warn!(error = %err, "the database is unavailable");
                AppError::Unavailable
            }
            other => {
                tracing::error!(error = %other, error_debug = ?other, "store error");
                AppError::Internal
            }
        }
    }
}

/// A store error nobody expects, for code that answers a person: logged with its cause (inside
/// the current span, such as a server function's), answered as `Internal` (a missing row as
/// `NotFound`).
pub trait OrInternal<T> {
    fn or_internal(self) -> Result<T, AppError>;
}

impl<T> OrInternal<T> for Result<T, StoreError> {
    fn or_internal(self) -> Result<T, AppError> {
        self.map_err(StoreError::into_internal)
    }
}
