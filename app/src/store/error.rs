use crate::errors::AppError;

/// What can go wrong in the store, classified so callers can answer people sensibly.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique or check constraint refused the write; carries the constraint's name.
    #[error("constraint {0} refused the write")]
    Constraint(String),
    /// The row changed since the caller read it (its revision moved on).
    #[error("the row was changed by someone else")]
    Stale,
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() || db.is_foreign_key_violation() => {
                // SQLite names the columns rather than the index; both are good enough to match on.
                StoreError::Constraint(db.constraint().map(str::to_string).unwrap_or_else(|| db.message().to_string()))
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
            other => {
                tracing::error!(error = %other, error_debug = ?other, "store error");
                AppError::Internal
            }
        }
    }
}
