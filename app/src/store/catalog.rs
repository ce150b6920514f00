//! The incident catalog admins configure: severities, services, role types and incident types.
//! Every edit is guarded by the row's revision.

use super::query::{bind_args, ids_in};
use super::BeginWrite;
use super::{on_pool, stale_or_missing, Page, PageRequest, Refusal, Store, StoreError};
use crate::domain::catalog::{IncidentType, Person, RoleType, Service, Severity};
use chrono::{DateTime, Utc};

/// The fields of a service that people edit.
#[derive(Debug, Clone)]
pub struct ServiceFields {
    pub name: String,
    pub description: String,
    pub owner_team: String,
    pub owner_user_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub public: bool,
}

/// The fields of a severity that people edit.
#[derive(Debug, Clone)]
pub struct SeverityFields {
    pub name: String,
    pub description: String,
    pub update_interval_minutes: Option<i64>,
    pub pages_on_declare: bool,
}

/// The fields of a role type that people edit.
#[derive(Debug, Clone)]
pub struct RoleTypeFields {
    pub name: String,
    pub description: String,
    pub checklist: Vec<String>,
    pub retired: bool,
}

/// The fields of an incident type that people edit.
#[derive(Debug, Clone)]
pub struct IncidentTypeFields {
    pub name: String,
    pub description: String,
    pub default_severity_id: Option<i64>,
    pub retired: bool,
}

#[derive(sqlx::FromRow)]
struct SqlSeverity {
    id: i64,
    name: String,
    description: String,
    rank: i64,
    update_interval_minutes: Option<i64>,
    pages_on_declare: bool,
    revision: i64,
}

impl SqlSeverity {
    fn into_severity(self) -> Severity {
        Severity {
            id: self.id,
            name: self.name,
            description: self.description,
            rank: self.rank,
            update_interval_minutes: self.update_interval_minutes,
            pages_on_declare: self.pages_on_declare,
            revision: self.revision,
        }
    }
}

const SEVERITY_COLUMNS: &str = "id, name, description, rank, update_interval_minutes, pages_on_declare, revision";

#[derive(sqlx::FromRow)]
struct SqlService {
    id: i64,
    name: String,
    description: String,
    owner_team: String,
    owner_user_id: Option<i64>,
    owner_user_name: Option<String>,
    parent_id: Option<i64>,
    parent_name: Option<String>,
    public: bool,
    revision: i64,
}

impl SqlService {
    fn into_service(self) -> Service {
        Service {
            id: self.id,
            name: self.name,
            description: self.description,
            owner_team: self.owner_team,
            owner_user_id: self.owner_user_id,
            owner_user_name: self.owner_user_name,
            parent_id: self.parent_id,
            parent_name: self.parent_name,
            public: self.public,
            revision: self.revision,
        }
    }
}

#[derive(sqlx::FromRow)]
struct SqlRoleType {
    id: i64,
    name: String,
    description: String,
    checklist: String,
    is_commander: bool,
    is_communications: bool,
    retired: bool,
    rank: i64,
    revision: i64,
}

impl SqlRoleType {
    fn into_role_type(self) -> RoleType {
        RoleType {
            id: self.id,
            name: self.name,
            description: self.description,
            checklist: self.checklist.lines().map(str::to_string).filter(|line| !line.is_empty()).collect(),
            is_commander: self.is_commander,
            is_communications: self.is_communications,
            retired: self.retired,
            rank: self.rank,
            revision: self.revision,
        }
    }
}

#[derive(sqlx::FromRow)]
struct SqlIncidentType {
    id: i64,
    name: String,
    description: String,
    default_severity_id: Option<i64>,
    retired: bool,
    revision: i64,
}

impl SqlIncidentType {
    fn into_incident_type(self) -> IncidentType {
        IncidentType {
            id: self.id,
            name: self.name,
            description: self.description,
            default_severity_id: self.default_severity_id,
            retired: self.retired,
            revision: self.revision,
        }
    }
}

const SERVICE_SELECT: &str = "select s.id, s.name, s.description, s.owner_team, s.owner_user_id, \
     u.display_name as owner_user_name, s.parent_id, p.name as parent_name, s.public, s.revision \
     from services s left join users u on u.id = s.owner_user_id left join services p on p.id = s.parent_id";


impl Store {
    // ---- severities ----

    /// Severities in rank order, worst first, one `page` at a time.
    pub async fn list_severities(&self, page: PageRequest) -> Result<Page<Severity>, StoreError> {
        let sql = format!("select {SEVERITY_COLUMNS} from severities order by rank, id limit $1 offset $2");
        let (rows, total): (Vec<SqlSeverity>, i64) = on_pool!(self, |pool| {
            let rows = sqlx::query_as(&sql)
                .bind(page.limit)
                .bind(page.offset)
                .fetch_all(pool)
                .await?;
            let total = sqlx::query_scalar("select count(*) from severities").fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok(Page { rows: rows.into_iter().map(SqlSeverity::into_severity).collect(), total })
    }

    pub async fn severity(&self, id: i64) -> Result<Option<Severity>, StoreError> {
        let sql = format!("select {SEVERITY_COLUMNS} from severities where id = $1");
        let row: Option<SqlSeverity> = on_pool!(self, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        Ok(row.map(SqlSeverity::into_severity))
    }

    /// Adds a severity at the bottom of the list (least severe).
    pub async fn create_severity(&self, fields: &SeverityFields, now: DateTime<Utc>) -> Result<Severity, StoreError> {
        let _shared = self.shared_write();
        let sql = format!(
            "insert into severities (name, description, update_interval_minutes, pages_on_declare, rank, created_at, updated_at) \
             values ($1, $2, $3, $5, (select coalesce(max(rank), 0) + 1 from severities), $4, $4) returning {SEVERITY_COLUMNS}"
        );
        let row: SqlSeverity = on_pool!(self, |pool| sqlx::query_as(&sql)
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(fields.update_interval_minutes)
        .bind(now)
        .bind(fields.pages_on_declare)
        .fetch_one(pool)
        .await)?;
        Ok(row.into_severity())
    }

    pub async fn update_severity(
        &self,
        id: i64,
        fields: &SeverityFields,
        expected_revision: i64,
        now: DateTime<Utc>,
    ) -> Result<Severity, StoreError> {
        let _shared = self.shared_write();
        let sql = format!(
            "update severities set name = $1, description = $2, update_interval_minutes = $3, pages_on_declare = $7, \
             revision = revision + 1, updated_at = $4 where id = $5 and revision = $6 returning {SEVERITY_COLUMNS}"
        );
        let row: Option<SqlSeverity> = on_pool!(self, |pool| sqlx::query_as(&sql)
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(fields.update_interval_minutes)
        .bind(now)
        .bind(id)
        .bind(expected_revision)
        .bind(fields.pages_on_declare)
        .fetch_optional(pool)
        .await)?;
        match row {
            Some(row) => Ok(row.into_severity()),
            None => Err(stale_or_missing(self, "severities", id).await),
        }
    }

    /// Swaps a severity with its neighbour above (`up`) or below. Nothing happens at either end.
    pub async fn move_severity(&self, id: i64, up: bool, expected_revision: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        let neighbour_sql = if up {
            "select id, rank from severities where rank < (select rank from severities where id = $1) order by rank desc, id desc limit 1"
        } else {
            "select id, rank from severities where rank > (select rank from severities where id = $1) order by rank, id limit 1"
        };
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            // Writing first takes SQLite's write lock before anything is read.
            let touched = sqlx::query("update severities set revision = revision + 1, updated_at = $1 where id = $2 and revision = $3")
                .bind(now)
                .bind(id)
                .bind(expected_revision)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if touched == 0 {
                drop(tx);
                return Err(stale_or_missing(self, "severities", id).await);
            }
            let neighbour: Option<(i64, i64)> = sqlx::query_as(neighbour_sql).bind(id).fetch_optional(&mut *tx).await?;
            if let Some((neighbour, neighbour_rank)) = neighbour {
                let own_rank: i64 = sqlx::query_scalar("select rank from severities where id = $1").bind(id).fetch_one(&mut *tx).await?;
                for (row, rank) in [(id, neighbour_rank), (neighbour, own_rank)] {
                    sqlx::query("update severities set rank = $1, updated_at = $2 where id = $3")
                        .bind(rank)
                        .bind(now)
                        .bind(row)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    // ---- services ----

    /// Services in name order, one `page` at a time.
    pub async fn list_services(&self, page: PageRequest) -> Result<Page<Service>, StoreError> {
        let sql = format!("{SERVICE_SELECT} order by lower(s.name), s.id limit $1 offset $2");
        let (rows, total): (Vec<SqlService>, i64) = on_pool!(self, |pool| {
            let rows = sqlx::query_as(&sql).bind(page.limit).bind(page.offset).fetch_all(pool).await?;
            let total = sqlx::query_scalar("select count(*) from services").fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok(Page { rows: rows.into_iter().map(SqlService::into_service).collect(), total })
    }

    pub async fn service(&self, id: i64) -> Result<Option<Service>, StoreError> {
        let sql = format!("{SERVICE_SELECT} where s.id = $1");
        let row: Option<SqlService> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SqlService::into_service))
    }

    pub async fn create_service(&self, fields: &ServiceFields, now: DateTime<Utc>) -> Result<Service, StoreError> {
        let _shared = self.shared_write();
        let id: i64 = on_pool!(self, |pool| sqlx::query_scalar(
            "insert into services (name, description, owner_team, owner_user_id, parent_id, public, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $7) returning id"
        )
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(&fields.owner_team)
        .bind(fields.owner_user_id)
        .bind(fields.parent_id)
        .bind(fields.public)
        .bind(now)
        .fetch_one(pool)
        .await)?;
        self.service(id).await?.ok_or(StoreError::NotFound)
    }

    /// Updates a service. A service can't become its own ancestor (`Refused(Refusal::ServiceParentCycle)`).
    pub async fn update_service(
        &self,
        id: i64,
        fields: &ServiceFields,
        expected_revision: i64,
        now: DateTime<Utc>,
    ) -> Result<Service, StoreError> {
        let _shared = self.shared_write();
        if let Some(parent) = fields.parent_id {
            if parent == id || self.service_ancestors(parent).await?.contains(&id) {
                return Err(StoreError::Refused(Refusal::ServiceParentCycle));
            }
        }
        let touched = on_pool!(self, |pool| sqlx::query(
            "update services set name = $1, description = $2, owner_team = $3, owner_user_id = $4, parent_id = $5, \
             public = $6, revision = revision + 1, updated_at = $7 where id = $8 and revision = $9"
        )
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(&fields.owner_team)
        .bind(fields.owner_user_id)
        .bind(fields.parent_id)
        .bind(fields.public)
        .bind(now)
        .bind(id)
        .bind(expected_revision)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        if touched == 0 {
            return Err(stale_or_missing(self, "services", id).await);
        }
        self.service(id).await?.ok_or(StoreError::NotFound)
    }

    /// The ids of a service's parent, grandparent and so on (one recursive query).
    async fn service_ancestors(&self, id: i64) -> Result<Vec<i64>, StoreError> {
        let ids: Vec<i64> = on_pool!(self, |pool| sqlx::query_scalar(
            "with recursive up(id, parent_id, depth) as ( \
                 select id, parent_id, 0 from services where id = $1 \
                 union all select s.id, s.parent_id, up.depth + 1 from services s join up on s.id = up.parent_id \
                 where up.depth < 100) \
             select id from up"
        )
        .bind(id)
        .fetch_all(pool)
        .await)?;
        Ok(ids)
    }

    /// Services chosen by id (for validating a form), in name order.
    pub async fn services_by_ids(&self, ids: &[i64]) -> Result<Vec<Service>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = ids_in(ids);
        let sql = format!("{SERVICE_SELECT} where s.id in ({list}) order by lower(s.name)");
        let rows: Vec<SqlService> = on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(SqlService::into_service).collect())
    }

    // ---- role types ----

    /// Role types in their display order (retired ones too), one `page` at a time.
    pub async fn list_role_types(&self, page: PageRequest) -> Result<Page<RoleType>, StoreError> {
        let (rows, total): (Vec<SqlRoleType>, i64) = on_pool!(self, |pool| {
            let rows = sqlx::query_as(
                "select id, name, description, checklist, is_commander, is_communications, retired, rank, revision from role_types \
                 order by retired, rank, id limit $1 offset $2",
            )
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(pool)
            .await?;
            let total = sqlx::query_scalar("select count(*) from role_types").fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok(Page { rows: rows.into_iter().map(SqlRoleType::into_role_type).collect(), total })
    }

    pub async fn role_type(&self, id: i64) -> Result<Option<RoleType>, StoreError> {
        let row: Option<SqlRoleType> = on_pool!(self, |pool| sqlx::query_as(
            "select id, name, description, checklist, is_commander, is_communications, retired, rank, revision from role_types where id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        Ok(row.map(SqlRoleType::into_role_type))
    }

    /// The Incident Commander role type (seeded by the migration; it can't be retired).
    pub async fn commander_role_type(&self) -> Result<RoleType, StoreError> {
        let row: SqlRoleType = on_pool!(self, |pool| sqlx::query_as(
            "select id, name, description, checklist, is_commander, is_communications, retired, rank, revision from role_types where is_commander"
        )
        .fetch_one(pool)
        .await)?;
        Ok(row.into_role_type())
    }

    pub async fn create_role_type(&self, fields: &RoleTypeFields, now: DateTime<Utc>) -> Result<RoleType, StoreError> {
        let _shared = self.shared_write();
        let row: SqlRoleType = on_pool!(self, |pool| sqlx::query_as(
            "insert into role_types (name, description, checklist, rank, created_at, updated_at) \
             values ($1, $2, $3, (select coalesce(max(rank), 0) + 1 from role_types), $4, $4) \
             returning id, name, description, checklist, is_commander, is_communications, retired, rank, revision"
        )
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(fields.checklist.join("\n"))
        .bind(now)
        .fetch_one(pool)
        .await)?;
        Ok(row.into_role_type())
    }

    /// Updates a role type. The commander role type can't be retired (`Refused(Refusal::CommanderRetired)`).
    pub async fn update_role_type(
        &self,
        id: i64,
        fields: &RoleTypeFields,
        expected_revision: i64,
        now: DateTime<Utc>,
    ) -> Result<RoleType, StoreError> {
        let _shared = self.shared_write();
        let row: Option<SqlRoleType> = on_pool!(self, |pool| sqlx::query_as(
            "update role_types set name = $1, description = $2, checklist = $3, retired = $4, \
             revision = revision + 1, updated_at = $5 \
             where id = $6 and revision = $7 and not ($4 and is_commander) \
             returning id, name, description, checklist, is_commander, is_communications, retired, rank, revision"
        )
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(fields.checklist.join("\n"))
        .bind(fields.retired)
        .bind(now)
        .bind(id)
        .bind(expected_revision)
        .fetch_optional(pool)
        .await)?;
        if let Some(row) = row {
            return Ok(row.into_role_type());
        }
        match self.role_type(id).await? {
            None => Err(StoreError::NotFound),
            Some(current) if current.revision != expected_revision => Err(StoreError::Stale),
            Some(_) => Err(StoreError::Refused(Refusal::CommanderRetired)),
        }
    }

    // ---- incident types ----

    pub async fn list_incident_types(&self, page: PageRequest) -> Result<Page<IncidentType>, StoreError> {
        let (rows, total): (Vec<SqlIncidentType>, i64) = on_pool!(self, |pool| {
            let rows = sqlx::query_as(
                "select id, name, description, default_severity_id, retired, revision from incident_types \
                 order by retired, lower(name), id limit $1 offset $2",
            )
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(pool)
            .await?;
            let total = sqlx::query_scalar("select count(*) from incident_types").fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok(Page { rows: rows.into_iter().map(SqlIncidentType::into_incident_type).collect(), total })
    }

    pub async fn incident_type(&self, id: i64) -> Result<Option<IncidentType>, StoreError> {
        let row: Option<SqlIncidentType> = on_pool!(self, |pool| sqlx::query_as(
            "select id, name, description, default_severity_id, retired, revision from incident_types where id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        Ok(row.map(SqlIncidentType::into_incident_type))
    }

    pub async fn create_incident_type(&self, fields: &IncidentTypeFields, now: DateTime<Utc>) -> Result<IncidentType, StoreError> {
        let _shared = self.shared_write();
        let row: SqlIncidentType = on_pool!(self, |pool| sqlx::query_as(
            "insert into incident_types (name, description, default_severity_id, created_at, updated_at) \
             values ($1, $2, $3, $4, $4) returning id, name, description, default_severity_id, retired, revision"
        )
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(fields.default_severity_id)
        .bind(now)
        .fetch_one(pool)
        .await)?;
        Ok(row.into_incident_type())
    }

    pub async fn update_incident_type(
        &self,
        id: i64,
        fields: &IncidentTypeFields,
        expected_revision: i64,
        now: DateTime<Utc>,
    ) -> Result<IncidentType, StoreError> {
        let _shared = self.shared_write();
        let row: Option<SqlIncidentType> = on_pool!(self, |pool| sqlx::query_as(
            "update incident_types set name = $1, description = $2, default_severity_id = $3, retired = $4, \
             revision = revision + 1, updated_at = $5 where id = $6 and revision = $7 \
             returning id, name, description, default_severity_id, retired, revision"
        )
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(fields.default_severity_id)
        .bind(fields.retired)
        .bind(now)
        .bind(id)
        .bind(expected_revision)
        .fetch_optional(pool)
        .await)?;
        match row {
            Some(row) => Ok(row.into_incident_type()),
            None => Err(stale_or_missing(self, "incident_types", id).await),
        }
    }

    // ---- people ----

    /// Active people in name order, for choosing an assignee or an owner; at most `limit`.
    pub async fn list_people(&self, limit: i64) -> Result<Vec<Person>, StoreError> {
        let rows: Vec<(i64, String)> = on_pool!(self, |pool| sqlx::query_as(
            "select id, display_name from users where active order by lower(display_name), id limit $1"
        )
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows.into_iter().map(|(id, name)| Person { id, name }).collect())
    }

    /// Active admins and responders (who can own and review work) in name order; at most `limit`.
    pub async fn list_responders(&self, limit: i64) -> Result<Vec<Person>, StoreError> {
        let rows: Vec<(i64, String)> = on_pool!(self, |pool| sqlx::query_as(
            "select id, display_name from users where active and role in ('admin', 'responder') order by lower(display_name), id limit $1"
        )
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows.into_iter().map(|(id, name)| Person { id, name }).collect())
    }

    /// The people with `ids` (deactivated ones too, unless `only_active`), in name order.
    pub async fn people_by_ids(&self, ids: &[i64], only_active: bool) -> Result<Vec<Person>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = ids_in(ids);
        let active = if only_active { " and active" } else { "" };
        let sql = format!("select id, display_name from users where id in ({list}){active} order by lower(display_name), id");
        let rows: Vec<(i64, String)> = on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(|(id, name)| Person { id, name }).collect())
    }
}
