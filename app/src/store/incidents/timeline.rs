//! Notes on an incident's timeline, their edits and pins, and reading the timeline a page at a time.

use super::*;

/// One page of a timeline, newest first.
#[derive(Debug, Clone)]
pub struct TimelinePage {
    pub events: Vec<TimelineEvent>,
    /// (occurred_at, id) of the last event shown, when older ones exist.
    pub older: Option<(DateTime<Utc>, i64)>,
}

/// An earlier version of an edited note.
#[derive(Debug, Clone)]
pub struct NoteEdit {
    pub previous_body: String,
    pub previous_occurred_at: DateTime<Utc>,
    pub edited_by: String,
    pub edited_at: DateTime<Utc>,
}

impl Store {
    /// Adds a note to an incident's timeline.
    pub async fn add_note(
        &self,
        incident_id: i64,
        note: &NewEvent,
        actor_id: i64,
        now: DateTime<Utc>,
    ) -> Result<TimelineEvent, StoreError> {
        let sql = format!("{} returning id", insert_events_sql(1));
        let args = event_args(incident_id, std::slice::from_ref(note), Some(actor_id), now);
        let id: i64 = on_pool!(self, |pool| bind_args!(sqlx::query_scalar(&sql), &args).fetch_one(pool).await)
            .map_err(|err| match StoreError::from(err) {
                StoreError::ForeignKey(_) => StoreError::NotFound,
                other => other,
            })?;
        self.timeline_event(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn timeline_event(&self, id: i64) -> Result<Option<TimelineEvent>, StoreError> {
        let sql = format!("{EVENT_SELECT} where e.id = $1");
        let row: Option<SqlEvent> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SqlEvent::into_event))
    }

    /// Replaces the text and time of a note written by `author_id`, keeping the previous version,
    /// if nobody changed it since `expected_revision`.
    pub async fn edit_note(
        &self,
        event_id: i64,
        expected_revision: i64,
        author_id: i64,
        body: &str,
        body_html: &str,
        occurred_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<TimelineEvent, StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let kept = sqlx::query(
                "insert into timeline_event_edits (event_id, previous_body, previous_occurred_at, edited_by, edited_at) \
                 select id, body, occurred_at, $1, $2 from timeline_events \
                 where id = $3 and revision = $4 and kind = 'note' and actor_id = $1",
            )
            .bind(author_id)
            .bind(now)
            .bind(event_id)
            .bind(expected_revision)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if kept == 0 {
                drop(tx);
                return match self.timeline_event(event_id).await? {
                    None => Err(StoreError::NotFound),
                    Some(event) if event.kind != EventKind::Note || event.actor_id != Some(author_id) => {
                        Err(StoreError::Refused(Refusal::NotNoteAuthor))
                    }
                    Some(_) => Err(StoreError::Stale),
                };
            }
            sqlx::query(
                "update timeline_events set body = $1, body_html = $2, occurred_at = $3, edited_at = $4, \
                 revision = revision + 1 where id = $5",
            )
            .bind(body)
            .bind(body_html)
            .bind(occurred_at)
            .bind(now)
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })?;
        self.timeline_event(event_id).await?.ok_or(StoreError::NotFound)
    }

    /// Pins (highlights) or unpins a timeline event.
    pub async fn set_event_pinned(&self, event_id: i64, pinned: bool) -> Result<TimelineEvent, StoreError> {
        let touched = on_pool!(self, |pool| sqlx::query("update timeline_events set pinned = $1 where id = $2")
            .bind(pinned)
            .bind(event_id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        if touched == 0 {
            return Err(StoreError::NotFound);
        }
        self.timeline_event(event_id).await?.ok_or(StoreError::NotFound)
    }

    /// Earlier versions of a note, newest first, at most `limit`.
    pub async fn note_edits(&self, event_id: i64, limit: i64) -> Result<Vec<NoteEdit>, StoreError> {
        let rows: Vec<(String, DateTime<Utc>, String, DateTime<Utc>)> = on_pool!(self, |pool| sqlx::query_as(
            "select x.previous_body, x.previous_occurred_at, u.display_name, x.edited_at from timeline_event_edits x \
             join users u on u.id = x.edited_by where x.event_id = $1 order by x.id desc limit $2"
        )
        .bind(event_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(previous_body, previous_occurred_at, edited_by, edited_at)| NoteEdit {
                previous_body,
                previous_occurred_at,
                edited_by,
                edited_at,
            })
            .collect())
    }

    /// A page of an incident's timeline, newest first, starting after `older_than` when given.
    pub async fn timeline(
        &self,
        incident_id: i64,
        pinned_only: bool,
        older_than: Option<(DateTime<Utc>, i64)>,
        limit: i64,
    ) -> Result<TimelinePage, StoreError> {
        let mut c = Conditions::new();
        let p = c.arg(Arg::Int(incident_id));
        c.push(format!("e.incident_id = {p}"));
        if pinned_only {
            c.push("e.pinned".to_string());
        }
        if let Some((at, id)) = older_than {
            let (pa, pi) = (c.arg(Arg::Time(at)), c.arg(Arg::Int(id)));
            c.push(format!("(e.occurred_at < {pa} or (e.occurred_at = {pa} and e.id < {pi}))"));
        }
        let pl = c.arg(Arg::Int(limit + 1));
        let sql = format!("{EVENT_SELECT} where {} order by e.occurred_at desc, e.id desc limit {pl}", c.sql());
        let rows: Vec<SqlEvent> = on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &c.args).fetch_all(pool).await)?;
        let mut events: Vec<TimelineEvent> = rows.into_iter().map(SqlEvent::into_event).collect();
        let older = if events.len() as i64 > limit {
            events.truncate(limit as usize);
            events.last().map(|e| (e.occurred_at, e.id))
        } else {
            None
        };
        Ok(TimelinePage { events, older })
    }
}
