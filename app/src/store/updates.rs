//! Updates on incidents, the component states public updates set, and the update templates.
//!
//! An update, the component states it sets and its timeline event are written in one
//! transaction.

use super::incidents::{write_events, NewEvent};
use super::BeginWrite;
use super::notifications::{insert_deliveries, NewDelivery, DELIVERIES_PER_INSERT};
use super::query::{bind_args, Arg};
use super::{on_pool, Store, StoreError};
use crate::domain::incident::Status;
use crate::domain::updates::{Audience, ComponentChange, Update};
use chrono::{DateTime, Utc};

/// An update to publish; already validated.
#[derive(Debug, Clone)]
pub struct NewUpdate {
    pub incident_id: i64,
    pub status: Status,
    pub audience: Audience,
    pub public_title: String,
    pub body: String,
    pub body_html: String,
    pub author_id: i64,
}

/// A template that pre-fills updates for one incident status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateTemplate {
    pub status: Status,
    pub body: String,
    pub revision: i64,
}

pub(crate) const UPDATE_SELECT: &str = "select u.id, u.incident_id, u.status, u.is_internal, u.is_public, u.public_title, \
     u.body, u.body_html, u.author_id, a.display_name as author_name, u.published_at \
     from updates u join users a on a.id = u.author_id";

#[derive(sqlx::FromRow)]
pub(crate) struct SqlUpdate {
    id: i64,
    incident_id: i64,
    status: String,
    is_internal: bool,
    is_public: bool,
    public_title: String,
    body: String,
    body_html: String,
    author_id: i64,
    author_name: String,
    published_at: DateTime<Utc>,
}

impl SqlUpdate {
    pub(crate) fn into_update(self) -> Update {
        Update {
            id: self.id,
            incident_id: self.incident_id,
            // A check constraint admits only known statuses.
            status: self.status.parse().unwrap_or(Status::Investigating),
            audience: Audience { internal: self.is_internal, public: self.is_public },
            public_title: self.public_title,
            body: self.body,
            body_html: self.body_html,
            author_id: self.author_id,
            author_name: self.author_name,
            published_at: self.published_at,
        }
    }
}

impl Store {
    /// Publishes an update: the update, the component states it sets, its timeline event and the
    /// notifications it sends (the outbox), all or nothing.
    pub async fn publish_update(
        &self,
        new: &NewUpdate,
        components: &[ComponentChange],
        event: &NewEvent,
        deliveries: &[NewDelivery],
        now: DateTime<Utc>,
    ) -> Result<Update, StoreError> {
        let _shared = self.shared_write();
        let id: i64 = on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "insert into updates (incident_id, status, is_internal, is_public, public_title, body, body_html, \
                 author_id, published_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
            )
            .bind(new.incident_id)
            .bind(new.status.as_str())
            .bind(new.audience.internal)
            .bind(new.audience.public)
            .bind(&new.public_title)
            .bind(&new.body)
            .bind(&new.body_html)
            .bind(new.author_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            if !components.is_empty() {
                let rows: Vec<String> =
                    (0..components.len()).map(|n| format!("(${}, ${}, $1, $2)", n * 2 + 3, n * 2 + 4)).collect();
                let sql = format!(
                    "insert into component_states (service_id, state, update_id, changed_at) values {}",
                    rows.join(", ")
                );
                let mut args = vec![Arg::Int(id), Arg::Time(now)];
                for change in components {
                    args.push(Arg::Int(change.service_id));
                    args.push(Arg::Text(change.state.as_str().to_string()));
                }
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            write_events!(tx, new.incident_id, std::slice::from_ref(event), new.author_id, now);
            for chunk in deliveries.chunks(DELIVERIES_PER_INSERT) {
                let (sql, args) = insert_deliveries(chunk, Some(id), now);
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(id)
        })?;
        self.update(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn update(&self, id: i64) -> Result<Option<Update>, StoreError> {
        let sql = format!("{UPDATE_SELECT} where u.id = $1");
        let row: Option<SqlUpdate> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SqlUpdate::into_update))
    }

    /// An incident's updates, newest first, `limit` at a time; `before` is the id of the last
    /// one already shown.
    pub async fn incident_updates(&self, incident_id: i64, before: Option<i64>, limit: i64) -> Result<Vec<Update>, StoreError> {
        let sql = format!(
            "{UPDATE_SELECT} where u.incident_id = $1 and u.id < $2 order by u.published_at desc, u.id desc limit $3"
        );
        let rows: Vec<SqlUpdate> = on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(incident_id)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        Ok(rows.into_iter().map(SqlUpdate::into_update).collect())
    }

    /// How many updates an incident has had.
    pub async fn count_incident_updates(&self, incident_id: i64) -> Result<i64, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar("select count(*) from updates where incident_id = $1")
            .bind(incident_id)
            .fetch_one(pool)
            .await)?)
    }

    /// The current state of each of `service_ids` that has one (services never set are
    /// operational).
    pub async fn component_states(&self, service_ids: &[i64]) -> Result<Vec<ComponentChange>, StoreError> {
        if service_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = super::query::ids_in(service_ids);
        let sql = format!(
            "select c.service_id, c.state from component_states c where c.service_id in ({list}) and c.id = \
             (select l.id from component_states l where l.service_id = c.service_id order by l.changed_at desc, l.id desc limit 1)"
        );
        let rows: Vec<(i64, String)> =
            on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(service_id, state)| Some(ComponentChange { service_id, state: state.parse().ok()? }))
            .collect())
    }

    /// The update templates, in lifecycle order.
    pub async fn update_templates(&self) -> Result<Vec<UpdateTemplate>, StoreError> {
        let rows: Vec<(String, String, i64)> =
            on_pool!(self, |pool| sqlx::query_as("select status, body, revision from update_templates").fetch_all(pool).await)?;
        let mut templates: Vec<UpdateTemplate> = rows
            .into_iter()
            .filter_map(|(status, body, revision)| Some(UpdateTemplate { status: status.parse().ok()?, body, revision }))
            .collect();
        templates.sort_by_key(|t| Status::ALL.iter().position(|s| *s == t.status));
        Ok(templates)
    }

    /// Replaces a template's text if nobody changed it since `expected_revision`.
    pub async fn set_update_template(
        &self,
        status: Status,
        body: &str,
        expected_revision: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        let touched = on_pool!(self, |pool| sqlx::query(
            "update update_templates set body = $1, revision = revision + 1, updated_at = $2 where status = $3 and revision = $4"
        )
        .bind(body)
        .bind(now)
        .bind(status.as_str())
        .bind(expected_revision)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        if touched == 0 {
            let exists: i64 = on_pool!(self, |pool| sqlx::query_scalar("select count(*) from update_templates where status = $1")
                .bind(status.as_str())
                .fetch_one(pool)
                .await)?;
            return Err(if exists == 0 { StoreError::NotFound } else { StoreError::Stale });
        }
        Ok(())
    }
}
