//! Hand-off notices, and the contact methods that reach people.

use super::*;
use crate::domain::contact::NotificationRule;

impl Store {
    /// Records hand-off notices and queues their deliveries, except for shifts already
    /// announced; returns how many were new.
    pub async fn queue_handoff_notices(&self, notices: &[HandoffNotice], now: DateTime<Utc>) -> Result<usize, StoreError> {
        if notices.is_empty() {
            return Ok(0);
        }
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut fresh = Vec::new();
            for chunk in notices.chunks(ROWS_PER_INSERT) {
                let sql = format!(
                    "insert into handoff_notices (schedule_id, user_id, shift_start, created_at) values {} \
                     on conflict do nothing returning schedule_id, user_id, shift_start",
                    value_rows(chunk.len(), 4)
                );
                let args: Vec<Arg> = chunk
                    .iter()
                    .flat_map(|n| [Arg::Int(n.schedule_id), Arg::Int(n.user_id), Arg::Time(n.shift_start), Arg::Time(now)])
                    .collect();
                let inserted: Vec<(i64, i64, DateTime<Utc>)> = bind_args!(sqlx::query_as(&sql), &args).fetch_all(&mut *tx).await?;
                fresh.extend(inserted);
            }
            let deliveries: Vec<NewDelivery> = notices
                .iter()
                .filter(|n| fresh.contains(&(n.schedule_id, n.user_id, n.shift_start)))
                .flat_map(|n| n.deliveries.iter().cloned())
                .collect();
            for chunk in deliveries.chunks(crate::store::notifications::DELIVERIES_PER_INSERT) {
                let (sql, args) = insert_deliveries(chunk, None, now);
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(fresh.len())
        })
    }

    /// The contact methods of many people, with their names and time zones (active people
    /// only), with their notification rules, in two queries.
    pub async fn reachable_people(&self, user_ids: &[i64]) -> Result<Vec<ReachablePerson>, StoreError> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = ids_in(user_ids);
        let sql = format!(
            "select u.id, u.display_name, u.time_zone, c.id, c.kind, c.label, c.target from users u \
             left join contact_methods c on c.user_id = u.id where u.id in ({list}) and u.active order by u.id, c.id"
        );
        let rules_sql = format!(
            "select user_id, id, contact_method_id, delay_minutes from notification_rules where user_id in ({list}) \
             order by user_id, delay_minutes, id"
        );
        type Row = (i64, String, String, Option<i64>, Option<String>, Option<String>, Option<String>);
        let (rows, rules): (Vec<Row>, Vec<(i64, i64, i64, i64)>) = on_pool!(self, |pool| {
            let rows = bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await?;
            let rules = bind_args!(sqlx::query_as(&rules_sql), &args).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((rows, rules))
        })?;
        let mut people: Vec<ReachablePerson> = Vec::new();
        for (user_id, name, time_zone, method_id, kind, label, target) in rows {
            if people.last().is_none_or(|p| p.user_id != user_id) {
                // Both lists come sorted by person: this person's rules are a run of the rules.
                let start = rules.partition_point(|(owner, ..)| *owner < user_id);
                let rules = rules[start..]
                    .iter()
                    .take_while(|(owner, ..)| *owner == user_id)
                    .map(|&(_, id, contact_method_id, delay_minutes)| NotificationRule { id, contact_method_id, delay_minutes })
                    .collect();
                people.push(ReachablePerson { user_id, name, time_zone, methods: Vec::new(), rules });
            }
            if let (Some(id), Some(kind), Some(label), Some(target)) = (method_id, kind, label, target) {
                let method = SqlContactMethod { id, user_id, kind, label, target }.into_contact_method();
                people.last_mut().expect("pushed above").methods.push(method);
            }
        }
        Ok(people)
    }
}
