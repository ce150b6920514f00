//! Role assignments on an incident and the ticks of their checklists.

use super::*;

impl Store {
    /// Gives a role on an incident to `user_id`, if the role is still held by `expected_holder`
    /// (`None`: nobody). Otherwise `Stale`: someone else changed the role first.
    pub async fn assign_role(
        &self,
        incident_id: i64,
        role_type_id: i64,
        user_id: i64,
        expected_holder: Option<i64>,
        event: &NewEvent,
        actor_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let touched = match expected_holder {
                None => sqlx::query(
                    "insert into role_assignments (incident_id, role_type_id, user_id, assigned_by, assigned_at) \
                     values ($1, $2, $3, $4, $5) on conflict (incident_id, role_type_id) do nothing",
                )
                .bind(incident_id)
                .bind(role_type_id)
                .bind(user_id)
                .bind(actor_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                Some(holder) => sqlx::query(
                    "update role_assignments set user_id = $1, assigned_by = $2, assigned_at = $3 \
                     where incident_id = $4 and role_type_id = $5 and user_id = $6",
                )
                .bind(user_id)
                .bind(actor_id)
                .bind(now)
                .bind(incident_id)
                .bind(role_type_id)
                .bind(holder)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
            };
            if touched == 0 {
                return Err(StoreError::Stale);
            }
            write_events!(tx, incident_id, std::slice::from_ref(event), actor_id, now);
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Takes a role on an incident from `expected_holder`. The commander role is never left
    /// empty (`Refused(Refusal::CommanderRequired)`); it can only be handed to someone else.
    pub async fn unassign_role(
        &self,
        incident_id: i64,
        role_type_id: i64,
        expected_holder: i64,
        event: &NewEvent,
        actor_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let touched = sqlx::query(
                "delete from role_assignments where incident_id = $1 and role_type_id = $2 and user_id = $3 \
                 and not exists (select 1 from role_types rt where rt.id = $2 and rt.is_commander)",
            )
            .bind(incident_id)
            .bind(role_type_id)
            .bind(expected_holder)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if touched == 0 {
                let is_commander: Option<bool> = sqlx::query_scalar("select is_commander from role_types where id = $1")
                    .bind(role_type_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                return Err(match is_commander {
                    Some(true) => StoreError::Refused(Refusal::CommanderRequired),
                    Some(false) => StoreError::Stale,
                    None => StoreError::NotFound,
                });
            }
            write_events!(tx, incident_id, std::slice::from_ref(event), actor_id, now);
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Ticks or unticks a checklist item of a role on an incident. Returns whether anything
    /// changed (ticking a ticked item writes nothing, not even an event).
    pub async fn set_checklist_item(
        &self,
        incident_id: i64,
        role_type_id: i64,
        item: &str,
        ticked: bool,
        event: &NewEvent,
        actor_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let touched = if ticked {
                sqlx::query(
                    "insert into checklist_ticks (incident_id, role_type_id, item, ticked_by, ticked_at) \
                     values ($1, $2, $3, $4, $5) on conflict (incident_id, role_type_id, item) do nothing",
                )
                .bind(incident_id)
                .bind(role_type_id)
                .bind(item)
                .bind(actor_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            } else {
                sqlx::query("delete from checklist_ticks where incident_id = $1 and role_type_id = $2 and item = $3")
                    .bind(incident_id)
                    .bind(role_type_id)
                    .bind(item)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            };
            if touched == 0 {
                return Ok(false);
            }
            write_events!(tx, incident_id, std::slice::from_ref(event), actor_id, now);
            tx.commit().await?;
            Ok::<_, StoreError>(true)
        })
    }
}
