//! Pages: opening them, taking their due steps, acknowledging them (also by one-time link), and reading them.

use super::*;

/// Why a page's waiting notifications were not sent.
const ACKNOWLEDGED_BEFORE_DUE: &str = "Not sent: the page was acknowledged first.";
const ENDED_BEFORE_DUE: &str = "Not sent: the page had ended unanswered.";

/// Pages whose steps are claimed by one update (2 or 3 arguments each).
const STEPS_PER_CLAIM: usize = 500;

impl Store {
    /// Opens a page (its first step is due at once) with its timeline event, in one transaction.
    pub async fn open_page(&self, new: &NewPage, event: Option<&NewEvent>, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let plan = serde_json::to_string(&new.plan).map_err(|err| StoreError::Config(err.to_string()))?;
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "insert into pages (incident_id, target_name, plan, message, status, step, next_step_at, created_by, created_at) \
                 values ($1, $2, $3, $4, 'escalating', 0, $5, $6, $5) returning id",
            )
            .bind(new.incident_id)
            .bind(&new.target_name)
            .bind(&plan)
            .bind(&new.message)
            .bind(now)
            .bind(new.created_by)
            .fetch_one(&mut *tx)
            .await?;
            if let (Some(incident_id), Some(event)) = (new.incident_id, event) {
                crate::store::incidents::write_events!(tx, incident_id, std::slice::from_ref(event), new.created_by, now);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(id)
        })
    }

    pub async fn page(&self, id: i64) -> Result<Option<PageRecord>, StoreError> {
        let sql = format!("select {PAGE_COLUMNS} from pages where id = $1");
        let row: Option<SqlPage> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SqlPage::into_page))
    }

    /// Escalating pages whose next step is due at `now`, the longest overdue first.
    pub async fn due_pages(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<PageRecord>, StoreError> {
        let sql = format!(
            "select {PAGE_COLUMNS} from pages where status = 'escalating' and next_step_at <= $1 order by next_step_at, id limit $2"
        );
        let rows: Vec<SqlPage> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(SqlPage::into_page).collect())
    }

    /// Takes the steps whose pages are still escalating at the step they were read at, and
    /// writes what each does, all in one transaction. Returns the ids of the pages whose step
    /// this call took; the others were taken (or ended) by someone else and nothing of them is
    /// written.
    pub async fn take_steps(&self, steps: &[TakenStep], now: DateTime<Utc>) -> Result<Vec<i64>, StoreError> {
        if steps.is_empty() {
            return Ok(Vec::new());
        }
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut taken: Vec<i64> = Vec::new();
            for chunk in steps.chunks(STEPS_PER_CLAIM) {
                // One update claims the chunk: each page moves on only from the step it was read at.
                let mut args = vec![Arg::Time(now)];
                let mut next_cases = Vec::new();
                let mut matches = Vec::new();
                for step in chunk {
                    args.push(Arg::Int(step.page_id));
                    let id = args.len();
                    args.push(Arg::Int(step.step));
                    matches.push(format!("(id = ${id} and step = ${})", id + 1));
                    if let Some(next) = step.next_step_at {
                        args.push(Arg::Time(next));
                        next_cases.push(format!("when ${id} then ${}", args.len()));
                    }
                }
                let next = if next_cases.is_empty() { "null".to_string() } else { format!("case id {} else null end", next_cases.join(" ")) };
                let sql = format!(
                    "update pages set step = step + 1, next_step_at = {next}, \
                     status = case when {next} is null then 'unanswered' else status end, \
                     ended_at = case when {next} is null then $1 else ended_at end \
                     where status = 'escalating' and ({}) returning id",
                    matches.join(" or ")
                );
                let ids: Vec<i64> = bind_args!(sqlx::query_scalar(&sql), &args).fetch_all(&mut *tx).await?;
                taken.extend(ids);
            }
            taken.sort_unstable();
            let mine: Vec<&TakenStep> = steps.iter().filter(|s| taken.binary_search(&s.page_id).is_ok()).collect();
            let recipients: Vec<(i64, i64, &NewRecipient)> =
                mine.iter().flat_map(|s| s.recipients.iter().map(move |r| (s.page_id, s.step, r))).collect();
            for chunk in recipients.chunks(ROWS_PER_INSERT) {
                let sql = format!(
                    "insert into page_recipients (page_id, step, user_id, methods, token_hash, expires_at, created_at) values {}",
                    value_rows(chunk.len(), 7)
                );
                let args: Vec<Arg> = chunk
                    .iter()
                    .flat_map(|(page, step, r)| {
                        [
                            Arg::Int(*page),
                            Arg::Int(*step),
                            Arg::Int(r.user_id),
                            Arg::Int(r.methods),
                            Arg::Text(r.token_hash.clone()),
                            Arg::Time(r.expires_at),
                            Arg::Time(now),
                        ]
                    })
                    .collect();
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            let deliveries: Vec<NewDelivery> = mine.iter().flat_map(|s| s.deliveries.iter().cloned()).collect();
            for chunk in deliveries.chunks(crate::store::notifications::DELIVERIES_PER_INSERT) {
                let (sql, args) = insert_deliveries(chunk, None, now);
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            // A page that ends unanswered sends nothing more: its links acknowledge nothing.
            let ended: Vec<i64> = mine.iter().filter(|s| s.next_step_at.is_none()).map(|s| s.page_id).collect();
            for chunk in ended.chunks(STEPS_PER_CLAIM) {
                let list: Vec<String> = (0..chunk.len()).map(|n| format!("${}", n + 3)).collect();
                let mut args = vec![Arg::Text(ENDED_BEFORE_DUE.to_string()), Arg::Time(now)];
                args.extend(chunk.iter().map(|id| Arg::Int(*id)));
                let sql = crate::store::notifications::cancel_page_deliveries_sql(&list.join(", "));
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            let events: Vec<&(i64, NewEvent)> = mine.iter().filter_map(|s| s.event.as_ref()).collect();
            for chunk in events.chunks(crate::store::incidents::EVENTS_PER_INSERT) {
                let sql = crate::store::incidents::insert_events_sql(chunk.len());
                // The engine acts on nobody's behalf: no actor.
                let args: Vec<Arg> = chunk
                    .iter()
                    .flat_map(|(incident, event)| crate::store::incidents::event_args(*incident, std::slice::from_ref(event), None, now))
                    .collect();
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(taken)
        })
    }

    /// Acknowledges a page for `user_id`: the escalation stops, the acknowledgement is written on
    /// the incident's timeline, and the incident's acknowledged time is set if it had none.
    /// `event` is written only when this call is the one that acknowledges.
    pub async fn acknowledge_page(&self, page_id: i64, user_id: i64, event: &NewEvent, now: DateTime<Utc>) -> Result<Acknowledged, StoreError> {
        let acknowledged = on_pool!(self, |pool| async {
            let mut tx = pool.begin_write().await?;
            let incident: Option<Option<i64>> = sqlx::query_scalar(
                "update pages set status = 'acknowledged', acknowledged_by = $1, acknowledged_at = $2, ended_at = $2, next_step_at = null \
                 where id = $3 and status = 'escalating' returning incident_id",
            )
            .bind(user_id)
            .bind(now)
            .bind(page_id)
            .fetch_optional(&mut *tx)
            .await?;
            // Not escalating any more: someone else ended it first.
            let Some(incident) = incident else { return Ok::<_, StoreError>(false) };
            sqlx::query(&crate::store::notifications::cancel_page_deliveries_sql("$3"))
                .bind(ACKNOWLEDGED_BEFORE_DUE)
                .bind(now)
                .bind(page_id)
                .execute(&mut *tx)
                .await?;
            if let Some(incident_id) = incident {
                crate::store::incidents::write_events!(tx, incident_id, std::slice::from_ref(event), user_id, now);
                // The first acknowledgement is the incident's; the revision moves so that an edit
                // started before it can't write the old key times back.
                sqlx::query(
                    "update incidents set acknowledged_at = $1, acknowledged_source = 'page', revision = revision + 1, updated_at = $1 \
                     where id = $2 and acknowledged_at is null",
                )
                .bind(now)
                .bind(incident_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(true)
        }
        .await)?;
        let page = self.page(page_id).await?.ok_or(StoreError::NotFound)?;
        Ok(if acknowledged { Acknowledged::Now(page) } else { Acknowledged::Already(page) })
    }

    /// The page and person a one-time acknowledgement link was sent for, while it is unused and
    /// unexpired.
    pub async fn page_link(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<(PageRecord, i64)>, StoreError> {
        let found: Option<(i64, i64)> = on_pool!(self, |pool| sqlx::query_as(
            "select page_id, user_id from page_recipients where token_hash = $1 and used_at is null and expires_at > $2"
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await)?;
        let Some((page_id, user_id)) = found else { return Ok(None) };
        Ok(self.page(page_id).await?.map(|page| (page, user_id)))
    }

    /// Uses up a one-time link: `false` if it was used already (or expired) in the meantime.
    pub async fn use_page_link(&self, token_hash: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let touched = on_pool!(self, |pool| sqlx::query(
            "update page_recipients set used_at = $1 where token_hash = $2 and used_at is null and expires_at > $1"
        )
        .bind(now)
        .bind(token_hash)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(touched == 1)
    }

    /// How many pages `user_id` opened since `since`.
    pub async fn pages_opened_by_since(&self, user_id: i64, since: DateTime<Utc>) -> Result<i64, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar("select count(*) from pages where created_by = $1 and created_at > $2")
            .bind(user_id)
            .bind(since)
            .fetch_one(pool)
            .await)?)
    }

    /// Whether a page of the incident is escalating.
    pub async fn has_escalating_page(&self, incident_id: i64) -> Result<bool, StoreError> {
        let found: Option<i64> = on_pool!(self, |pool| sqlx::query_scalar(
            "select id from pages where incident_id = $1 and status = 'escalating' limit 1"
        )
        .bind(incident_id)
        .fetch_optional(pool)
        .await)?;
        Ok(found.is_some())
    }

    /// An incident's pages, newest first (at most `limit`).
    pub async fn pages_of_incident(&self, incident_id: i64, limit: i64) -> Result<Vec<PageRecord>, StoreError> {
        let sql = format!("select {PAGE_COLUMNS} from pages where incident_id = $1 order by id desc limit $2");
        let rows: Vec<SqlPage> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(incident_id).bind(limit).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(SqlPage::into_page).collect())
    }

    /// Every page, newest first, one `page` of the list at a time.
    pub async fn pages_page(&self, page: PageRequest) -> Result<Page<PageRecord>, StoreError> {
        let sql = format!("select {PAGE_COLUMNS} from pages order by id desc limit $1 offset $2");
        let (rows, total): (Vec<SqlPage>, i64) = on_pool!(self, |pool| {
            let rows = sqlx::query_as(&sql).bind(page.limit).bind(page.offset).fetch_all(pool).await?;
            let total = sqlx::query_scalar("select count(*) from pages").fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok(Page { rows: rows.into_iter().map(SqlPage::into_page).collect(), total })
    }

    /// Who the steps of `page_ids` paged, in order (one query).
    pub async fn page_recipients(&self, page_ids: &[i64]) -> Result<Vec<Recipient>, StoreError> {
        if page_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = ids_in(page_ids);
        let sql = format!(
            "select page_id, step, user_id, methods, created_at from page_recipients where page_id in ({list}) order by page_id, step, id"
        );
        let rows: Vec<(i64, i64, i64, i64, DateTime<Utc>)> =
            on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(page_id, step, user_id, methods, created_at)| Recipient { page_id, step, user_id, methods, created_at })
            .collect())
    }
}
