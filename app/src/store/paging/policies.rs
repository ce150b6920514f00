//! Escalation policies with their levels and targets, and which services page through them.

use super::*;

/// Assembles policies from their rows, levels (policy, position, delay) and targets (policy,
/// level, user, schedule) in order.
fn assemble_policies(rows: Vec<SqlPolicy>, levels: &[(i64, i64, i64)], targets: &[(i64, i64, Option<i64>, Option<i64>)]) -> Vec<Policy> {
    rows.into_iter()
        .map(|row| {
            let levels = levels
                .iter()
                .filter(|(policy, _, _)| *policy == row.id)
                .map(|(_, position, delay)| Level {
                    delay_minutes: *delay,
                    targets: targets
                        .iter()
                        .filter(|(policy, level, _, _)| *policy == row.id && level == position)
                        .filter_map(|(_, _, user, schedule)| match (user, schedule) {
                            (Some(user), _) => Some(Target::User(*user)),
                            (None, Some(schedule)) => Some(Target::Schedule(*schedule)),
                            (None, None) => None,
                        })
                        .collect(),
                })
                .collect();
            Policy { id: row.id, name: row.name, description: row.description, plan: Plan { levels, repeats: row.repeats }, revision: row.revision }
        })
        .collect()
}

/// The inserts of a policy's levels and targets, with their arguments (run by `write_plan!`).
fn plan_inserts(policy_id: i64, plan: &Plan) -> Vec<(String, Vec<Arg>)> {
    let mut inserts = Vec::new();
    if plan.levels.is_empty() {
        return inserts;
    }
    let levels: Vec<String> = (0..plan.levels.len()).map(|n| format!("($1, {n}, ${})", n + 2)).collect();
    let args = std::iter::once(Arg::Int(policy_id)).chain(plan.levels.iter().map(|l| Arg::Int(l.delay_minutes))).collect();
    inserts.push((format!("insert into escalation_levels (policy_id, position, delay_minutes) values {}", levels.join(", ")), args));
    let mut rows = Vec::new();
    let mut args = vec![Arg::Int(policy_id)];
    for (level, l) in plan.levels.iter().enumerate() {
        for (position, target) in l.targets.iter().enumerate() {
            let (user, schedule) = match target {
                Target::User(id) => (Arg::Int(*id), Arg::NullInt),
                Target::Schedule(id) => (Arg::NullInt, Arg::Int(*id)),
            };
            args.push(user);
            args.push(schedule);
            rows.push(format!("($1, {level}, {position}, ${}, ${})", args.len() - 1, args.len()));
        }
    }
    if !rows.is_empty() {
        inserts.push((
            format!("insert into escalation_targets (policy_id, level, position, user_id, schedule_id) values {}", rows.join(", ")),
            args,
        ));
    }
    inserts
}

/// Writes a policy's levels and targets inside the transaction `tx` (inside `on_pool!`).
macro_rules! write_plan {
    ($tx:expr, $policy_id:expr, $plan:expr) => {{
        for (sql, args) in plan_inserts($policy_id, $plan) {
            bind_args!(sqlx::query(&sql), &args).execute(&mut *$tx).await?;
        }
    }};
}

impl Store {
    pub async fn create_policy(&self, fields: &PolicyFields, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let _shared = self.shared_write();
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "insert into escalation_policies (name, description, repeats, created_at, updated_at) values ($1, $2, $3, $4, $4) returning id",
            )
            .bind(&fields.name)
            .bind(&fields.description)
            .bind(fields.plan.repeats)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            write_plan!(tx, id, &fields.plan);
            tx.commit().await?;
            Ok::<_, StoreError>(id)
        })
    }

    /// Replaces a policy's name, description and levels, if nobody changed it since
    /// `expected_revision`.
    pub async fn update_policy(&self, id: i64, fields: &PolicyFields, expected_revision: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let touched = sqlx::query(
                "update escalation_policies set name = $1, description = $2, repeats = $3, revision = revision + 1, updated_at = $4 \
                 where id = $5 and revision = $6 and deleted_at is null",
            )
            .bind(&fields.name)
            .bind(&fields.description)
            .bind(fields.plan.repeats)
            .bind(now)
            .bind(id)
            .bind(expected_revision)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if touched == 0 {
                drop(tx);
                return Err(stale_or_missing(self, "escalation_policies", id).await);
            }
            sqlx::query("delete from escalation_targets where policy_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("delete from escalation_levels where policy_id = $1").bind(id).execute(&mut *tx).await?;
            write_plan!(tx, id, &fields.plan);
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Deletes a policy no service uses (`ForeignKey` otherwise). It is kept, out of sight,
    /// until `purge_deleted`; `Store::restore` brings it back. Pages it opened go on: they copied
    /// its levels.
    pub async fn delete_policy(&self, id: i64, expected_revision: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        let touched = on_pool!(self, |pool| sqlx::query(
            "update escalation_policies set deleted_at = $3, revision = revision + 1, updated_at = $3 \
             where id = $1 and revision = $2 and deleted_at is null \
             and not exists (select 1 from services s where s.escalation_policy_id = $1)"
        )
        .bind(id)
        .bind(expected_revision)
        .bind(now)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        if touched == 0 {
            if !self.services_of_policy(id, 1).await?.is_empty() {
                return Err(StoreError::ForeignKey("services".into()));
            }
            if self.policy(id).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            return Err(StoreError::Stale);
        }
        Ok(())
    }

    pub async fn policy(&self, id: i64) -> Result<Option<Policy>, StoreError> {
        Ok(self.policies_by_ids(&[id]).await?.pop())
    }

    /// Policies by id, with their levels and targets (three queries), in name order.
    pub async fn policies_by_ids(&self, ids: &[i64]) -> Result<Vec<Policy>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = ids_in(ids);
        self.load_policies(
            &format!("select id, name, description, repeats, revision from escalation_policies where id in ({list}) and deleted_at is null order by lower(name), id"),
            &args,
        )
        .await
    }

    /// Policies in name order, one `page` at a time.
    pub async fn policies_page(&self, page: PageRequest) -> Result<Page<Policy>, StoreError> {
        let rows = self
            .load_policies(
                "select id, name, description, repeats, revision from escalation_policies where deleted_at is null order by lower(name), id limit $1 offset $2",
                &[Arg::Int(page.limit), Arg::Int(page.offset)],
            )
            .await?;
        let total: i64 = on_pool!(self, |pool| sqlx::query_scalar("select count(*) from escalation_policies where deleted_at is null").fetch_one(pool).await)?;
        Ok(Page { rows, total })
    }

    async fn load_policies(&self, select: &str, args: &[Arg]) -> Result<Vec<Policy>, StoreError> {
        let rows: Vec<SqlPolicy> = on_pool!(self, |pool| bind_args!(sqlx::query_as(select), args).fetch_all(pool).await)?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let (list, args) = ids_in(&ids);
        let levels_sql = format!("select policy_id, position, delay_minutes from escalation_levels where policy_id in ({list}) order by policy_id, position");
        let targets_sql = format!(
            "select policy_id, level, user_id, schedule_id from escalation_targets where policy_id in ({list}) order by policy_id, level, position"
        );
        let (levels, targets): (Vec<(i64, i64, i64)>, Vec<(i64, i64, Option<i64>, Option<i64>)>) = on_pool!(self, |pool| {
            let levels = bind_args!(sqlx::query_as(&levels_sql), &args).fetch_all(pool).await?;
            let targets = bind_args!(sqlx::query_as(&targets_sql), &args).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((levels, targets))
        })?;
        Ok(assemble_policies(rows, &levels, &targets))
    }

    /// Names of the services that page through a policy (at most `limit`).
    pub async fn services_of_policy(&self, policy_id: i64, limit: i64) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "select id, name from services where escalation_policy_id = $1 order by lower(name), id limit $2"
        )
        .bind(policy_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
    }

    /// The escalation policy of each of `service_ids` that has one: (service id, policy id).
    pub async fn service_policies(&self, service_ids: &[i64]) -> Result<Vec<(i64, i64)>, StoreError> {
        if service_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = ids_in(service_ids);
        let sql = format!("select id, escalation_policy_id from services where id in ({list}) and escalation_policy_id is not null order by id");
        Ok(on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await)?)
    }

    /// Policies' ids and names, in name order (at most `limit`), for choosing one.
    pub async fn policy_names(&self, limit: i64) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as("select id, name from escalation_policies where deleted_at is null order by lower(name), id limit $1")
            .bind(limit)
            .fetch_all(pool)
            .await)?)
    }

    /// Services that have a policy, with its name: (service id, service name, policy name), in
    /// the services' name order (at most `limit`).
    pub async fn services_with_policies(&self, limit: i64) -> Result<Vec<(i64, String, String)>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "select s.id, s.name, p.name from services s join escalation_policies p on p.id = s.escalation_policy_id \
             order by lower(s.name), s.id limit $1"
        )
        .bind(limit)
        .fetch_all(pool)
        .await)?)
    }

    /// The first (by name) of an incident's services that has a policy.
    pub async fn paged_service_of_incident(&self, incident_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar(
            "select s.id from incident_services x join services s on s.id = x.service_id \
             where x.incident_id = $1 and s.escalation_policy_id is not null order by lower(s.name), s.id limit 1"
        )
        .bind(incident_id)
        .fetch_optional(pool)
        .await)?)
    }

    /// Sets (or clears) the policy that pages for a service.
    pub async fn set_service_policy(&self, service_id: i64, policy_id: Option<i64>, now: DateTime<Utc>) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        let touched = on_pool!(self, |pool| sqlx::query(
            "update services set escalation_policy_id = $1, revision = revision + 1, updated_at = $2 where id = $3"
        )
        .bind(policy_id)
        .bind(now)
        .bind(service_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        if touched == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
