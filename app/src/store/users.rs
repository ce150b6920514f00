//! Users: accounts, credentials and the first-run setup marker.

use super::{on_pool, Page, PageRequest, Refusal, Store, StoreError};
use super::BeginWrite;
use crate::domain::account::User;
use crate::domain::permissions::OrgRole;
use chrono::{DateTime, Utc};

const USER_COLUMNS: &str = "id, email, display_name, time_zone, role, active, password_hash, auth_version, \
                            revision, last_login_at, created_at, updated_at";

/// Inserts a `NewUser` at `now`, with its account email as its first contact method (every
/// account can be reached from the moment it is made), inside the transaction `tx` (inside
/// `on_pool!`); evaluates to the user's row.
macro_rules! insert_user {
    ($tx:expr, $new:expr, $now:expr) => {{
        let sql = format!(
            "insert into users (email, display_name, time_zone, role, password_hash, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $6) returning {USER_COLUMNS}"
        );
        let row: SqlUser = sqlx::query_as(&sql)
            .bind(&$new.email)
            .bind(&$new.display_name)
            .bind(&$new.time_zone)
            .bind($new.role.as_str())
            .bind(&$new.password_hash)
            .bind($now)
            .fetch_one(&mut *$tx)
            .await?;
        sqlx::query(
            "insert into contact_methods (user_id, kind, label, target, created_at, updated_at) \
             values ($1, 'email', 'Account email', $2, $3, $3)",
        )
        .bind(row.id)
        .bind(&row.email)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
        row
    }};
}

/// True when some active admin other than user `$3` exists (guards the last admin).
const ANOTHER_ACTIVE_ADMIN: &str =
    "(select count(*) from users other where other.role = 'admin' and other.active and other.id <> $3) > 0";

#[derive(sqlx::FromRow)]
struct SqlUser {
    id: i64,
    email: String,
    display_name: String,
    time_zone: String,
    role: String,
    active: bool,
    password_hash: String,
    auth_version: i64,
    revision: i64,
    last_login_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A user as stored, with the server-only fields beside the public ones.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: String,
    /// Sessions remember the version they were made under; a bump ends them all.
    pub auth_version: i64,
}

impl SqlUser {
    fn into_record(self) -> UserRecord {
        UserRecord {
            user: User {
                id: self.id,
                email: self.email,
                display_name: self.display_name,
                time_zone: self.time_zone,
                // The column has a check constraint, so an unknown value cannot be stored.
                role: self.role.parse().unwrap_or(OrgRole::Viewer),
                active: self.active,
                revision: self.revision,
                last_login_at: self.last_login_at,
                created_at: self.created_at,
                updated_at: self.updated_at,
            },
            password_hash: self.password_hash,
            auth_version: self.auth_version,
        }
    }
}

/// What is needed to create a user. Fields are already validated and normalized.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub time_zone: String,
    pub role: OrgRole,
    pub password_hash: String,
}

impl Store {
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        let count: i64 = on_pool!(self, |pool| sqlx::query_scalar("select count(*) from users")
            .fetch_one(pool)
            .await)?;
        Ok(count)
    }

    /// Creates the first administrator, once. A second call, or a concurrent one that loses the
    /// race, gets `Refused(Refusal::SetupDone)`.
    pub async fn create_first_admin(&self, new: &NewUser, now: DateTime<Utc>) -> Result<User, StoreError> {
        let _shared = self.shared_write();
        let record = on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let existing: i64 = sqlx::query_scalar("select count(*) from setup_state").fetch_one(&mut *tx).await?;
            if existing > 0 {
                return Err(StoreError::Refused(Refusal::SetupDone));
            }
            let row = insert_user!(tx, new, now);
            sqlx::query("insert into setup_state (id, first_admin_id, completed_at) values (1, $1, $2)")
                .bind(row.id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(row)
        })?;
        Ok(record.into_record().user)
    }

    /// Whether first-run setup has completed.
    pub async fn setup_completed(&self) -> Result<bool, StoreError> {
        let count: i64 = on_pool!(self, |pool| sqlx::query_scalar("select count(*) from setup_state")
            .fetch_one(pool)
            .await)?;
        Ok(count > 0)
    }

    /// Creates a user with their account email as their first contact method.
    pub async fn create_user(&self, new: &NewUser, now: DateTime<Utc>) -> Result<User, StoreError> {
        let _shared = self.shared_write();
        let row: SqlUser = on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let row = insert_user!(tx, new, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(row)
        })?;
        Ok(row.into_record().user)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("select {USER_COLUMNS} from users where id = $1");
        let row: Option<SqlUser> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SqlUser::into_record))
    }

    /// Looks a user up by (normalized) email, case-insensitively.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("select {USER_COLUMNS} from users where lower(email) = lower($1)");
        let row: Option<SqlUser> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(email).fetch_optional(pool).await)?;
        Ok(row.map(SqlUser::into_record))
    }

    /// One `page` of users in email order, and how many there are in all.
    pub async fn list_users(&self, page: PageRequest) -> Result<Page<User>, StoreError> {
        let sql = format!("select {USER_COLUMNS} from users order by lower(email) limit $1 offset $2");
        let (rows, total): (Vec<SqlUser>, i64) = on_pool!(self, |pool| {
            let rows = sqlx::query_as(&sql).bind(page.limit).bind(page.offset).fetch_all(pool).await?;
            let total = sqlx::query_scalar("select count(*) from users").fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok(Page { rows: rows.into_iter().map(|row| row.into_record().user).collect(), total })
    }

    pub async fn record_login(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        on_pool!(self, |pool| sqlx::query("update users set last_login_at = $1 where id = $2")
            .bind(now)
            .bind(id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Changes a user's role if nobody changed the user since `expected_revision` was read.
    /// Refuses (`Refused(Refusal::LastAdmin)`) to take the admin role from the last active admin.
    pub async fn update_user_role(
        &self,
        id: i64,
        role: OrgRole,
        expected_revision: i64,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let _shared = self.shared_write();
        let sql = format!(
            "update users set role = $1, revision = revision + 1, updated_at = $2 \
             where id = $3 and revision = $4 \
               and ($5 or role <> 'admin' or not active or {ANOTHER_ACTIVE_ADMIN}) \
             returning {USER_COLUMNS}"
        );
        let row: Option<SqlUser> = on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(role.as_str())
            .bind(now)
            .bind(id)
            .bind(expected_revision)
            .bind(role == OrgRole::Admin)
            .fetch_optional(pool)
            .await)?;
        self.explain_refused_update(id, expected_revision, row).await
    }

    /// Activates or deactivates a user. Deactivation bumps `auth_version`, which ends every
    /// session of that user at their next request. The last active admin cannot be deactivated.
    pub async fn set_user_active(
        &self,
        id: i64,
        active: bool,
        expected_revision: i64,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let _shared = self.shared_write();
        let sql = format!(
            "update users set active = $1, revision = revision + 1, updated_at = $2, \
               auth_version = auth_version + (case when $1 then 0 else 1 end) \
             where id = $3 and revision = $4 \
               and ($1 or role <> 'admin' or not active or {ANOTHER_ACTIVE_ADMIN}) \
             returning {USER_COLUMNS}"
        );
        let row: Option<SqlUser> = on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(active)
            .bind(now)
            .bind(id)
            .bind(expected_revision)
            .fetch_optional(pool)
            .await)?;
        self.explain_refused_update(id, expected_revision, row).await
    }

    /// Changes the fields a person edits on their own profile.
    pub async fn update_profile(
        &self,
        id: i64,
        display_name: &str,
        time_zone: &str,
        expected_revision: i64,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let _shared = self.shared_write();
        let sql = format!(
            "update users set display_name = $1, time_zone = $2, revision = revision + 1, updated_at = $3 \
             where id = $4 and revision = $5 returning {USER_COLUMNS}"
        );
        let row: Option<SqlUser> = on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(display_name)
            .bind(time_zone)
            .bind(now)
            .bind(id)
            .bind(expected_revision)
            .fetch_optional(pool)
            .await)?;
        self.explain_refused_update(id, expected_revision, row).await
    }

    /// Stores a new password hash and bumps `auth_version`, ending every existing session of the
    /// user. Returns the new record so the caller can keep its own session alive.
    pub async fn set_password(&self, id: i64, password_hash: &str, now: DateTime<Utc>) -> Result<UserRecord, StoreError> {
        let _shared = self.shared_write();
        let sql = format!(
            "update users set password_hash = $1, auth_version = auth_version + 1, revision = revision + 1, \
             updated_at = $2 where id = $3 returning {USER_COLUMNS}"
        );
        let row: Option<SqlUser> = on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(password_hash)
            .bind(now)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        row.map(SqlUser::into_record).ok_or(StoreError::NotFound)
    }

    /// Keeps a new one-time password reset link for `user_id` (only its hash), replacing any
    /// earlier one of theirs.
    pub async fn create_password_reset(
        &self,
        user_id: i64,
        token_hash: &str,
        created_by: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("delete from password_resets where user_id = $1").bind(user_id).execute(&mut *tx).await?;
            sqlx::query("insert into password_resets (token_hash, user_id, created_by, created_at, expires_at) values ($1, $2, $3, $4, $5)")
                .bind(token_hash)
                .bind(user_id)
                .bind(created_by)
                .bind(now)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// The active person a reset link is for, while it is unused and unexpired.
    pub async fn password_reset_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>, StoreError> {
        let sql = format!(
            "select {USER_COLUMNS} from users where active and id = \
             (select user_id from password_resets where token_hash = $1 and used_at is null and expires_at > $2)"
        );
        let row: Option<SqlUser> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(token_hash).bind(now).fetch_optional(pool).await)?;
        Ok(row.map(|r| r.into_record().user))
    }

    /// Uses a reset link: sets the new password and ends every session of its person (in one
    /// transaction). `false` when the link is used, expired, unknown, or its person deactivated.
    pub async fn use_password_reset(&self, token_hash: &str, password_hash: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let _shared = self.shared_write();
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let user_id: Option<i64> = sqlx::query_scalar(
                "update password_resets set used_at = $1 where token_hash = $2 and used_at is null and expires_at > $1 returning user_id",
            )
            .bind(now)
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(user_id) = user_id else { return Ok::<_, StoreError>(false) };
            let changed = sqlx::query(
                "update users set password_hash = $1, auth_version = auth_version + 1, revision = revision + 1, updated_at = $2 \
                 where id = $3 and active",
            )
            .bind(password_hash)
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Ok(false);
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Forgets reset links that expired before `cutoff`.
    pub async fn purge_password_resets(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query("delete from password_resets where expires_at < $1")
            .bind(cutoff)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?)
    }

    /// After a guarded update matched no row, says why: the user is gone, someone else changed
    /// it first, or the last-admin rule refused it.
    async fn explain_refused_update(
        &self,
        id: i64,
        expected_revision: i64,
        row: Option<SqlUser>,
    ) -> Result<User, StoreError> {
        if let Some(row) = row {
            return Ok(row.into_record().user);
        }
        match self.user_by_id(id).await? {
            None => Err(StoreError::NotFound),
            Some(current) if current.user.revision != expected_revision => Err(StoreError::Stale),
            Some(_) => Err(StoreError::Refused(Refusal::LastAdmin)),
        }
    }
}
