//! What the public status page reads (components, their state history, public incidents and
//! their public updates, maintenance windows), the maintenance windows admins plan, and the
//! page's look.
//!
//! Public queries only ever select public services, public updates and incidents that are not
//! drills: nothing else can reach the page.

use super::query::{bind_args, ids_in, insert_links, Arg};
use super::BeginWrite;
use super::updates::{SqlUpdate, UPDATE_SELECT};
use super::{on_pool, Page, PageRequest, Store, StoreError};
use crate::domain::incident::Status;
use crate::domain::status_page::{ComponentState, StateChange};
use crate::domain::updates::Update;
use chrono::{DateTime, Utc};

/// A public service as the status page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// The parent service's name: components are grouped by it.
    pub group: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Its state as last set by an update (before maintenance is taken into account).
    pub state: ComponentState,
}

/// A planned maintenance window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceWindow {
    pub id: i64,
    pub title: String,
    pub message: String,
    pub message_html: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub cancelled: bool,
    /// (service id, name) of the components it covers, in name order.
    pub components: Vec<(i64, String)>,
    pub revision: i64,
}

/// A maintenance window being planned or changed; already validated.
#[derive(Debug, Clone)]
pub struct MaintenanceFields {
    pub title: String,
    pub message: String,
    pub message_html: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub service_ids: Vec<i64>,
}

/// The status page's look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusPageSettings {
    pub title: String,
    pub logo_text: String,
    pub accent_color: String,
    pub revision: i64,
}

/// An incident as the public knows it: its public name, status and public updates (newest
/// first).
#[derive(Debug, Clone, PartialEq)]
pub struct PublicIncident {
    pub id: i64,
    pub public_title: String,
    /// The status its latest public update carried.
    pub status: Status,
    pub updates: Vec<Update>,
    /// Public components it affects, by name.
    pub components: Vec<String>,
}

/// Only public updates of incidents that are not drills.
const PUBLIC_UPDATE: &str = "u.is_public and not exists (select 1 from incidents d where d.id = u.incident_id and d.is_drill)";

#[derive(sqlx::FromRow)]
struct SqlMaintenance {
    id: i64,
    title: String,
    message: String,
    message_html: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    cancelled_at: Option<DateTime<Utc>>,
    revision: i64,
}

const MAINTENANCE_SELECT: &str =
    "select id, title, message, message_html, starts_at, ends_at, cancelled_at, revision from maintenance_windows";

impl Store {
    /// Public components in group and name order, with their current state (two queries).
    pub async fn public_components(&self) -> Result<Vec<Component>, StoreError> {
        let rows: Vec<(i64, String, String, Option<String>, DateTime<Utc>)> = on_pool!(self, |pool| sqlx::query_as(
            "select s.id, s.name, s.description, p.name, s.created_at from services s \
             left join services p on p.id = s.parent_id where s.public \
             order by lower(coalesce(p.name, s.name)), p.name is not null, lower(s.name), s.id limit 500"
        )
        .fetch_all(pool)
        .await)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let states = self.component_states(&ids).await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, description, group, created_at)| Component {
                state: states.iter().find(|s| s.service_id == id).map(|s| s.state).unwrap_or(ComponentState::Operational),
                id,
                name,
                description,
                group,
                created_at,
            })
            .collect())
    }

    /// Each component's state changes since `since`, with the last change before it (so the
    /// state at `since` is known), in time order per service.
    pub async fn component_changes_since(
        &self,
        service_ids: &[i64],
        since: DateTime<Utc>,
    ) -> Result<Vec<(i64, StateChange)>, StoreError> {
        if service_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, mut args) = ids_in(service_ids);
        args.push(Arg::Time(since));
        let p = args.len();
        let sql = format!(
            "select c.service_id, c.changed_at, c.state from component_states c where c.service_id in ({list}) \
             and (c.changed_at >= ${p} or c.id = (select l.id from component_states l where l.service_id = c.service_id \
             and l.changed_at < ${p} order by l.changed_at desc, l.id desc limit 1)) \
             order by c.service_id, c.changed_at, c.id"
        );
        let rows: Vec<(i64, DateTime<Utc>, String)> =
            on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(service_id, at, state)| Some((service_id, StateChange { at, state: state.parse().ok()? })))
            .collect())
    }

    /// Incidents shown as active on the status page: open, not drills, with at least one public
    /// update; each with its public updates (at most 20 incidents, 50 updates each).
    pub async fn active_public_incidents(&self) -> Result<Vec<PublicIncident>, StoreError> {
        let open: Vec<String> = Status::OPEN.iter().map(|s| format!("'{}'", s.as_str())).collect();
        let ids: Vec<i64> = on_pool!(self, |pool| sqlx::query_scalar(&format!(
            "select i.id from incidents i where i.status in ({}) and not i.is_drill \
             and exists (select 1 from updates u where u.incident_id = i.id and u.is_public) order by i.id desc limit 20",
            open.join(", ")
        ))
        .fetch_all(pool)
        .await)?;
        self.public_incidents(&ids).await
    }

    /// One incident as the public knows it; `None` unless it has a public update and is not a
    /// drill.
    pub async fn public_incident(&self, id: i64) -> Result<Option<PublicIncident>, StoreError> {
        Ok(self.public_incidents(&[id]).await?.into_iter().next())
    }

    /// Incidents with public updates, newest first, `limit` at a time below the id `before`.
    pub async fn public_incident_history(&self, before: Option<i64>, limit: i64) -> Result<Vec<PublicIncident>, StoreError> {
        let ids: Vec<i64> = on_pool!(self, |pool| sqlx::query_scalar(&format!(
            "select distinct u.incident_id from updates u where {PUBLIC_UPDATE} and u.incident_id < $1 \
             order by u.incident_id desc limit $2"
        ))
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        self.public_incidents(&ids).await
    }

    /// `ids` as the public knows them (in the order given), with up to 50 public updates each
    /// (three queries).
    async fn public_incidents(&self, ids: &[i64]) -> Result<Vec<PublicIncident>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = ids_in(ids);
        let updates_sql = format!(
            "{UPDATE_SELECT} where {PUBLIC_UPDATE} and u.incident_id in ({list}) \
             and u.id in (select r.id from updates r where r.incident_id = u.incident_id and r.is_public \
             order by r.published_at desc, r.id desc limit 50) order by u.published_at desc, u.id desc"
        );
        let components_sql = format!(
            "select x.incident_id, s.name from incident_services x join services s on s.id = x.service_id \
             where s.public and x.incident_id in ({list}) order by lower(s.name)"
        );
        let (updates, components): (Vec<SqlUpdate>, Vec<(i64, String)>) = on_pool!(self, |pool| {
            let updates = bind_args!(sqlx::query_as(&updates_sql), &args).fetch_all(pool).await?;
            let components = bind_args!(sqlx::query_as(&components_sql), &args).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((updates, components))
        })?;
        let updates: Vec<Update> = updates.into_iter().map(SqlUpdate::into_update).collect();
        Ok(ids
            .iter()
            .filter_map(|id| {
                let own: Vec<Update> = updates.iter().filter(|u| u.incident_id == *id).cloned().collect();
                let latest = own.first()?;
                Some(PublicIncident {
                    id: *id,
                    public_title: latest.public_title.clone(),
                    status: latest.status,
                    components: components.iter().filter(|(i, _)| i == id).map(|(_, name)| name.clone()).collect(),
                    updates: own,
                })
            })
            .collect())
    }

    /// The newest public updates (for the feed), with each incident's public name.
    pub async fn latest_public_updates(&self, limit: i64) -> Result<Vec<Update>, StoreError> {
        let sql = format!("{UPDATE_SELECT} where {PUBLIC_UPDATE} order by u.published_at desc, u.id desc limit $1");
        let rows: Vec<SqlUpdate> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(limit).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(SqlUpdate::into_update).collect())
    }

    // ---- maintenance ----

    pub async fn create_maintenance(&self, fields: &MaintenanceFields, actor_id: i64, now: DateTime<Utc>) -> Result<i64, StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "insert into maintenance_windows (title, message, message_html, starts_at, ends_at, created_by, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $7) returning id",
            )
            .bind(&fields.title)
            .bind(&fields.message)
            .bind(&fields.message_html)
            .bind(fields.starts_at)
            .bind(fields.ends_at)
            .bind(actor_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            if !fields.service_ids.is_empty() {
                let (sql, args) = insert_links("maintenance_components", "maintenance_id", "service_id", id, &fields.service_ids);
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(id)
        })
    }

    /// Changes a window if nobody changed it since `expected_revision`.
    pub async fn update_maintenance(
        &self,
        id: i64,
        fields: &MaintenanceFields,
        expected_revision: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let touched = sqlx::query(
                "update maintenance_windows set title = $1, message = $2, message_html = $3, starts_at = $4, ends_at = $5, \
                 revision = revision + 1, updated_at = $6 where id = $7 and revision = $8 and cancelled_at is null",
            )
            .bind(&fields.title)
            .bind(&fields.message)
            .bind(&fields.message_html)
            .bind(fields.starts_at)
            .bind(fields.ends_at)
            .bind(now)
            .bind(id)
            .bind(expected_revision)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if touched == 0 {
                drop(tx);
                return Err(super::stale_or_missing(self, "maintenance_windows", id).await);
            }
            sqlx::query("delete from maintenance_components where maintenance_id = $1").bind(id).execute(&mut *tx).await?;
            if !fields.service_ids.is_empty() {
                let (sql, args) = insert_links("maintenance_components", "maintenance_id", "service_id", id, &fields.service_ids);
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Cancels a window (it disappears from the status page; the row is kept).
    pub async fn cancel_maintenance(&self, id: i64, expected_revision: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let touched = on_pool!(self, |pool| sqlx::query(
            "update maintenance_windows set cancelled_at = $1, revision = revision + 1, updated_at = $1 \
             where id = $2 and revision = $3 and cancelled_at is null"
        )
        .bind(now)
        .bind(id)
        .bind(expected_revision)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        if touched == 0 {
            return Err(super::stale_or_missing(self, "maintenance_windows", id).await);
        }
        Ok(())
    }

    pub async fn maintenance(&self, id: i64) -> Result<Option<MaintenanceWindow>, StoreError> {
        let sql = format!("{MAINTENANCE_SELECT} where id = $1");
        let row: Option<SqlMaintenance> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(self.with_components(row.into_iter().collect()).await?.into_iter().next())
    }

    /// Windows for the admin list: newest start first, one `page` at a time, and how many there
    /// are.
    pub async fn list_maintenance(&self, page: PageRequest) -> Result<Page<MaintenanceWindow>, StoreError> {
        let sql = format!("{MAINTENANCE_SELECT} order by starts_at desc, id desc limit $1 offset $2");
        let (rows, total): (Vec<SqlMaintenance>, i64) = on_pool!(self, |pool| {
            let rows = sqlx::query_as(&sql).bind(page.limit).bind(page.offset).fetch_all(pool).await?;
            let total = sqlx::query_scalar("select count(*) from maintenance_windows").fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok(Page { rows: self.with_components(rows).await?, total })
    }

    /// Windows that are not cancelled and end after `since`, in start order (at most 500): the
    /// status page's upcoming and running windows and the history bars' maintenance.
    pub async fn maintenance_since(&self, since: DateTime<Utc>) -> Result<Vec<MaintenanceWindow>, StoreError> {
        let sql = format!("{MAINTENANCE_SELECT} where cancelled_at is null and ends_at > $1 order by starts_at, id limit 500");
        let rows: Vec<SqlMaintenance> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(since).fetch_all(pool).await)?;
        self.with_components(rows).await
    }

    async fn with_components(&self, rows: Vec<SqlMaintenance>) -> Result<Vec<MaintenanceWindow>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let (list, args) = ids_in(&ids);
        let sql = format!(
            "select m.maintenance_id, s.id, s.name from maintenance_components m join services s on s.id = m.service_id \
             where m.maintenance_id in ({list}) order by lower(s.name)"
        );
        let links: Vec<(i64, i64, String)> = on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|row| MaintenanceWindow {
                components: links.iter().filter(|l| l.0 == row.id).map(|l| (l.1, l.2.clone())).collect(),
                id: row.id,
                title: row.title,
                message: row.message,
                message_html: row.message_html,
                starts_at: row.starts_at,
                ends_at: row.ends_at,
                cancelled: row.cancelled_at.is_some(),
                revision: row.revision,
            })
            .collect())
    }

    // ---- the page's look ----

    pub async fn status_page_settings(&self) -> Result<StatusPageSettings, StoreError> {
        let (title, logo_text, accent_color, revision): (String, String, String, i64) = on_pool!(self, |pool| sqlx::query_as(
            "select title, logo_text, accent_color, revision from status_page_settings where id = 1"
        )
        .fetch_one(pool)
        .await)?;
        Ok(StatusPageSettings { title, logo_text, accent_color, revision })
    }

    pub async fn set_status_page_settings(&self, settings: &StatusPageSettings, now: DateTime<Utc>) -> Result<(), StoreError> {
        let touched = on_pool!(self, |pool| sqlx::query(
            "update status_page_settings set title = $1, logo_text = $2, accent_color = $3, revision = revision + 1, \
             updated_at = $4 where id = 1 and revision = $5"
        )
        .bind(&settings.title)
        .bind(&settings.logo_text)
        .bind(&settings.accent_color)
        .bind(now)
        .bind(settings.revision)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        if touched == 0 { Err(StoreError::Stale) } else { Ok(()) }
    }
}
