//! Subscriptions, webhooks, public status-page subscribers and the outbox of deliveries.
//!
//! Deliveries are written in the same transaction as what causes them (an update), so a
//! notification is never lost: a worker claims due deliveries with a lease, sends them, and
//! records the outcome. A delivery whose worker died is claimed again when its lease ends.

use super::query::{bind_args, Arg};
use super::BeginWrite;
use super::{on_pool, Page, PageRequest, Store, StoreError};
use crate::domain::delivery::{Channel, DeliveryStatus, IncidentFilter};
use chrono::{DateTime, Utc};

/// A subscription to create: a user or an email address, for one incident or a filter.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub user_id: Option<i64>,
    pub email: Option<String>,
    pub incident_id: Option<i64>,
    pub filter: IncidentFilter,
    pub created_by: i64,
}

/// A subscription with the names it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub user_id: Option<i64>,
    /// The person's name, or the external address.
    pub who: String,
    pub incident_id: Option<i64>,
    pub filter: IncidentFilter,
    pub severity_name: Option<String>,
    pub service_name: Option<String>,
}

/// An outgoing webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub name: String,
    pub url: String,
    /// "json" or "slack".
    pub format: String,
    pub secret: String,
    pub filter: IncidentFilter,
    pub active: bool,
    pub revision: i64,
}

/// A webhook's fields as people edit them; already validated.
#[derive(Debug, Clone)]
pub struct WebhookFields {
    pub name: String,
    pub url: String,
    pub format: String,
    pub secret: String,
    pub filter: IncidentFilter,
    pub active: bool,
}

/// Who an incident's update goes to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipients {
    /// (name shown, address), one per address.
    pub emails: Vec<(String, String)>,
    pub webhooks: Vec<Webhook>,
}

/// A notification to queue.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub channel: Channel,
    pub target: String,
    pub webhook_id: Option<i64>,
    pub topic: String,
    pub subject: String,
    pub body: String,
    pub unsubscribe_url: String,
    /// The page it pages someone for: acknowledging the page cancels it while it waits.
    pub page_id: Option<i64>,
    /// When it is due (a page's later notification); `None`: at once.
    pub due_at: Option<DateTime<Utc>>,
}

/// A queued notification and the state of its delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub channel: Channel,
    pub target: String,
    pub webhook_id: Option<i64>,
    pub topic: String,
    pub subject: String,
    pub body: String,
    pub unsubscribe_url: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SqlDelivery {
    id: i64,
    channel: String,
    target: String,
    webhook_id: Option<i64>,
    topic: String,
    subject: String,
    body: String,
    unsubscribe_url: String,
    status: String,
    attempts: i64,
    next_attempt_at: DateTime<Utc>,
    last_error: String,
    sent_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl SqlDelivery {
    fn into_delivery(self) -> Delivery {
        Delivery {
            id: self.id,
            // Check constraints admit only known values.
            channel: self.channel.parse().unwrap_or(Channel::Email),
            target: self.target,
            webhook_id: self.webhook_id,
            topic: self.topic,
            subject: self.subject,
            body: self.body,
            unsubscribe_url: self.unsubscribe_url,
            status: self.status.parse().unwrap_or(DeliveryStatus::Failed),
            attempts: self.attempts,
            next_attempt_at: self.next_attempt_at,
            last_error: self.last_error,
            sent_at: self.sent_at,
            created_at: self.created_at,
        }
    }
}

const DELIVERY_COLUMNS: &str = "id, channel, target, webhook_id, topic, subject, body, unsubscribe_url, status, attempts, \
     next_attempt_at, last_error, sent_at, created_at";

#[derive(sqlx::FromRow)]
struct SqlWebhook {
    id: i64,
    name: String,
    url: String,
    format: String,
    secret: String,
    severity_id: Option<i64>,
    service_id: Option<i64>,
    active: bool,
    revision: i64,
}

impl SqlWebhook {
    fn into_webhook(self) -> Webhook {
        Webhook {
            id: self.id,
            name: self.name,
            url: self.url,
            format: self.format,
            secret: self.secret,
            filter: IncidentFilter { severity_id: self.severity_id, service_id: self.service_id },
            active: self.active,
            revision: self.revision,
        }
    }
}

const WEBHOOK_COLUMNS: &str = "id, name, url, format, secret, severity_id, service_id, active, revision";

const SUBSCRIPTION_SELECT: &str = "select s.id, s.user_id, coalesce(u.display_name, s.email) as who, s.incident_id, \
     s.severity_id, s.service_id, sev.name as severity_name, svc.name as service_name from subscriptions s \
     left join users u on u.id = s.user_id left join severities sev on sev.id = s.severity_id \
     left join services svc on svc.id = s.service_id";

type SqlSubscription = (i64, Option<i64>, String, Option<i64>, Option<i64>, Option<i64>, Option<String>, Option<String>);

fn into_subscription(row: SqlSubscription) -> Subscription {
    let (id, user_id, who, incident_id, severity_id, service_id, severity_name, service_name) = row;
    Subscription { id, user_id, who, incident_id, filter: IncidentFilter { severity_id, service_id }, severity_name, service_name }
}

/// `insert` of `count` deliveries, numbered from `$1`, with the arguments for `deliveries`.
pub(crate) fn insert_deliveries(deliveries: &[NewDelivery], update_id: Option<i64>, now: DateTime<Utc>) -> (String, Vec<Arg>) {
    const COLUMNS: usize = 11;
    let rows: Vec<String> = (0..deliveries.len())
        .map(|n| {
            let list: Vec<String> = (1..=COLUMNS).map(|c| format!("${}", n * COLUMNS + c)).collect();
            // updated_at is created_at, the last column.
            format!("({}, 'pending', ${})", list.join(", "), n * COLUMNS + COLUMNS)
        })
        .collect();
    let sql = format!(
        "insert into deliveries (channel, target, webhook_id, update_id, page_id, topic, subject, body, unsubscribe_url, \
         next_attempt_at, created_at, status, updated_at) values {}",
        rows.join(", ")
    );
    let args = deliveries
        .iter()
        .flat_map(|d| {
            [
                Arg::Text(d.channel.as_str().to_string()),
                Arg::Text(d.target.clone()),
                d.webhook_id.map(Arg::Int).unwrap_or(Arg::NullInt),
                update_id.map(Arg::Int).unwrap_or(Arg::NullInt),
                d.page_id.map(Arg::Int).unwrap_or(Arg::NullInt),
                Arg::Text(d.topic.clone()),
                Arg::Text(d.subject.clone()),
                Arg::Text(d.body.clone()),
                Arg::Text(d.unsubscribe_url.clone()),
                Arg::Time(d.due_at.unwrap_or(now)),
                Arg::Time(now),
            ]
        })
        .collect();
    (sql, args)
}

/// Cancels the waiting deliveries (a notification rule's later ones, or retries) of the pages
/// `pages` selects: a list of placeholders or a subquery of page ids, written by Quell (never
/// from input), numbered from `$3`; `$1` is why, `$2` the time.
pub(crate) fn cancel_page_deliveries_sql(pages: &str) -> String {
    format!(
        "update deliveries set status = 'cancelled', last_error = $1, locked_until = null, updated_at = $2 \
         where status = 'pending' and page_id in ({pages})"
    )
}

/// A webhook's fields as `$1`…`$8` (the last is the time of the change).
fn webhook_args(fields: &WebhookFields, now: DateTime<Utc>) -> Vec<Arg> {
    let id = |value: Option<i64>| value.map(Arg::Int).unwrap_or(Arg::NullInt);
    vec![
        Arg::Text(fields.name.clone()),
        Arg::Text(fields.url.clone()),
        Arg::Text(fields.format.clone()),
        Arg::Text(fields.secret.clone()),
        id(fields.filter.severity_id),
        id(fields.filter.service_id),
        Arg::Bool(fields.active),
        Arg::Time(now),
    ]
}

/// Rows per insert statement (each delivery binds 11 values; SQLite allows 32,766).
pub(crate) const DELIVERIES_PER_INSERT: usize = 500;

impl Store {
    // ---- subscriptions ----

    /// Subscribes; subscribing twice to the same thing is not an error (nothing changes).
    pub async fn subscribe(&self, new: &NewSubscription, now: DateTime<Utc>) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        on_pool!(self, |pool| sqlx::query(
            "insert into subscriptions (user_id, email, incident_id, severity_id, service_id, created_by, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing"
        )
        .bind(new.user_id)
        .bind(&new.email)
        .bind(new.incident_id)
        .bind(new.filter.severity_id)
        .bind(new.filter.service_id)
        .bind(new.created_by)
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn subscription(&self, id: i64) -> Result<Option<Subscription>, StoreError> {
        let sql = format!("{SUBSCRIPTION_SELECT} where s.id = $1");
        let row: Option<SqlSubscription> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(into_subscription))
    }

    pub async fn delete_subscription(&self, id: i64) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        on_pool!(self, |pool| sqlx::query("delete from subscriptions where id = $1").bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Subscriptions not tied to one incident: a user's own (`user_id`), or every external
    /// address (`None`); one `page` at a time, with how many there are.
    pub async fn filter_subscriptions(&self, user_id: Option<i64>, page: PageRequest) -> Result<Page<Subscription>, StoreError> {
        let condition = if user_id.is_some() { "s.user_id = $1" } else { "s.email is not null and $1 = 0" };
        let sql = format!("{SUBSCRIPTION_SELECT} where s.incident_id is null and {condition} order by s.id limit $2 offset $3");
        let count_sql = format!("select count(*) from subscriptions s where s.incident_id is null and {condition}");
        let key = user_id.unwrap_or(0);
        let (rows, total): (Vec<SqlSubscription>, i64) = on_pool!(self, |pool| {
            let rows = sqlx::query_as(&sql).bind(key).bind(page.limit).bind(page.offset).fetch_all(pool).await?;
            let total = sqlx::query_scalar(&count_sql).bind(key).fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok(Page { rows: rows.into_iter().map(into_subscription).collect(), total })
    }

    /// Who an update of this incident goes to: subscribers of the incident and of matching
    /// filters (active users' addresses and external addresses, once each), and active webhooks
    /// whose filter matches (two queries).
    pub async fn recipients(&self, incident_id: i64, severity_id: i64, service_ids: &[i64]) -> Result<Recipients, StoreError> {
        let (services, mut args) = super::query::ids_in(service_ids);
        let services = if service_ids.is_empty() { "null".to_string() } else { services };
        let n = args.len();
        args.push(Arg::Int(incident_id));
        args.push(Arg::Int(severity_id));
        let (incident, severity) = (n + 1, n + 2);
        let matching = format!(
            "(s.incident_id = ${incident} or (s.incident_id is null and (s.severity_id is null or s.severity_id = ${severity}) \
             and (s.service_id is null or s.service_id in ({services}))))"
        );
        let emails_sql = format!(
            "select distinct coalesce(u.display_name, s.email), coalesce(u.email, s.email) from subscriptions s \
             left join users u on u.id = s.user_id where {matching} and (s.user_id is null or u.active) \
             order by 2 limit 10000"
        );
        let (webhook_services, mut webhook_args) = super::query::ids_in(service_ids);
        let webhook_services = if service_ids.is_empty() { "null".to_string() } else { webhook_services };
        webhook_args.push(Arg::Int(severity_id));
        let webhook_severity = webhook_args.len();
        let webhooks_sql = format!(
            "select {WEBHOOK_COLUMNS} from webhooks where active and (severity_id is null or severity_id = ${webhook_severity}) \
             and (service_id is null or service_id in ({webhook_services})) order by id limit 100"
        );
        let (emails, webhooks): (Vec<(String, String)>, Vec<SqlWebhook>) = on_pool!(self, |pool| {
            let emails = bind_args!(sqlx::query_as(&emails_sql), &args).fetch_all(pool).await?;
            let webhooks = bind_args!(sqlx::query_as(&webhooks_sql), &webhook_args).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((emails, webhooks))
        })?;
        let mut seen = std::collections::HashSet::new();
        Ok(Recipients {
            emails: emails.into_iter().filter(|(_, address)| seen.insert(address.to_lowercase())).collect(),
            webhooks: webhooks.into_iter().map(SqlWebhook::into_webhook).collect(),
        })
    }

    /// The viewer's subscription to one incident, if any.
    pub async fn incident_subscription_of(&self, incident_id: i64, user_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar("select id from subscriptions where incident_id = $1 and user_id = $2")
            .bind(incident_id)
            .bind(user_id)
            .fetch_optional(pool)
            .await)?)
    }

    // ---- webhooks ----

    pub async fn create_webhook(&self, fields: &WebhookFields, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let _shared = self.shared_write();
        let args = webhook_args(fields, now);
        Ok(on_pool!(self, |pool| bind_args!(
            sqlx::query_scalar(
                "insert into webhooks (name, url, format, secret, severity_id, service_id, active, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning id"
            ),
            &args
        )
        .fetch_one(pool)
        .await)?)
    }

    pub async fn update_webhook(&self, id: i64, fields: &WebhookFields, expected_revision: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        let mut args = webhook_args(fields, now);
        args.extend([Arg::Int(id), Arg::Int(expected_revision)]);
        let touched = on_pool!(self, |pool| bind_args!(
            sqlx::query(
                "update webhooks set name = $1, url = $2, format = $3, secret = $4, severity_id = $5, service_id = $6, \
                 active = $7, revision = revision + 1, updated_at = $8 where id = $9 and revision = $10"
            ),
            &args
        )
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        if touched == 0 {
            return Err(super::stale_or_missing(self, "webhooks", id).await);
        }
        Ok(())
    }

    pub async fn webhook(&self, id: i64) -> Result<Option<Webhook>, StoreError> {
        let sql = format!("select {WEBHOOK_COLUMNS} from webhooks where id = $1");
        let row: Option<SqlWebhook> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SqlWebhook::into_webhook))
    }

    /// Webhooks in the order they were made (at most 100: admins make a handful).
    pub async fn list_webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        let sql = format!("select {WEBHOOK_COLUMNS} from webhooks order by id limit 100");
        let rows: Vec<SqlWebhook> = on_pool!(self, |pool| sqlx::query_as(&sql).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(SqlWebhook::into_webhook).collect())
    }

    // ---- the outbox ----

    /// Queues deliveries that nothing else is written with (confirmation emails, tests).
    pub async fn enqueue_deliveries(&self, deliveries: &[NewDelivery], now: DateTime<Utc>) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            for chunk in deliveries.chunks(DELIVERIES_PER_INSERT) {
                let (sql, args) = insert_deliveries(chunk, None, now);
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Claims up to `limit` due deliveries for `lease`: pending ones whose time has come, and
    /// ones whose previous worker's lease ended. Each claim counts as an attempt.
    pub async fn claim_due_deliveries(&self, now: DateTime<Utc>, lease: chrono::Duration, limit: i64) -> Result<Vec<Delivery>, StoreError> {
        // Postgres: several instances claim at once; SKIP LOCKED keeps them off each other's rows.
        let lock = if self.is_postgres() { " for update skip locked" } else { "" };
        let sql = format!(
            "update deliveries set status = 'sending', attempts = attempts + 1, locked_until = $1, updated_at = $2 \
             where id in (select id from deliveries where (status = 'pending' and next_attempt_at <= $2) \
             or (status = 'sending' and locked_until <= $2) order by next_attempt_at, id limit $3{lock}) \
             returning {DELIVERY_COLUMNS}"
        );
        let rows: Vec<SqlDelivery> =
            on_pool!(self, |pool| sqlx::query_as(&sql).bind(now + lease).bind(now).bind(limit).fetch_all(pool).await)?;
        let mut claimed: Vec<Delivery> = rows.into_iter().map(SqlDelivery::into_delivery).collect();
        claimed.sort_by_key(|d| (d.next_attempt_at, d.id));
        Ok(claimed)
    }

    /// Records that attempt `attempts` of a delivery succeeded (if this worker still holds it).
    pub async fn mark_delivery_sent(&self, id: i64, attempts: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        on_pool!(self, |pool| sqlx::query(
            "update deliveries set status = 'sent', sent_at = $1, locked_until = null, last_error = '', updated_at = $1 \
             where id = $2 and status = 'sending' and attempts = $3"
        )
        .bind(now)
        .bind(id)
        .bind(attempts)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Records that attempt `attempts` failed with `error`: tried again at `retry_at`, or failed
    /// for good when there is none.
    pub async fn mark_delivery_failed(
        &self,
        id: i64,
        attempts: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let status = if retry_at.is_some() { "pending" } else { "failed" };
        on_pool!(self, |pool| sqlx::query(
            "update deliveries set status = $1, next_attempt_at = $2, last_error = $3, locked_until = null, updated_at = $4 \
             where id = $5 and status = 'sending' and attempts = $6"
        )
        .bind(status)
        .bind(retry_at.unwrap_or(now))
        .bind(error)
        .bind(now)
        .bind(id)
        .bind(attempts)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Sends a failed (or waiting) delivery again now. Sent and sending ones are left alone
    /// (`Stale`).
    pub async fn retry_delivery(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let touched = on_pool!(self, |pool| sqlx::query(
            "update deliveries set status = 'pending', next_attempt_at = $1, attempts = 0, updated_at = $1 \
             where id = $2 and status in ('failed', 'pending')"
        )
        .bind(now)
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        if touched == 0 {
            let exists: i64 = on_pool!(self, |pool| sqlx::query_scalar("select count(*) from deliveries where id = $1").bind(id).fetch_one(pool).await)?;
            return Err(if exists == 0 { StoreError::NotFound } else { StoreError::Stale });
        }
        Ok(())
    }

    /// The delivery log, newest first, optionally of one status, one `page` at a time, with the
    /// count per status (the page's total is the count of its status, or of all).
    pub async fn list_deliveries(
        &self,
        status: Option<DeliveryStatus>,
        page: PageRequest,
    ) -> Result<(Page<Delivery>, Vec<(DeliveryStatus, i64)>), StoreError> {
        let sql = format!(
            "select {DELIVERY_COLUMNS} from deliveries where ($1 = '' or status = $1) order by id desc limit $2 offset $3"
        );
        let filter = status.map(|s| s.as_str()).unwrap_or("");
        let (rows, counts): (Vec<SqlDelivery>, Vec<(String, i64)>) = on_pool!(self, |pool| {
            let rows = sqlx::query_as(&sql).bind(filter).bind(page.limit).bind(page.offset).fetch_all(pool).await?;
            let counts = sqlx::query_as("select status, count(*) from deliveries group by status").fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((rows, counts))
        })?;
        let counts: Vec<(DeliveryStatus, i64)> = DeliveryStatus::ALL
            .into_iter()
            .map(|s| (s, counts.iter().find(|(name, _)| name == s.as_str()).map(|(_, n)| *n).unwrap_or(0)))
            .collect();
        let total = counts.iter().filter(|(s, _)| status.is_none_or(|wanted| wanted == *s)).map(|(_, n)| n).sum();
        Ok((Page { rows: rows.into_iter().map(SqlDelivery::into_delivery).collect(), total }, counts))
    }

    // ---- public subscribers ----

    /// Adds an unconfirmed public subscriber whose confirmation token hashes to `confirm_hash`;
    /// returns whether to send the confirmation. An address already waiting for confirmation
    /// gets a new token (and another email) at most once an hour; a confirmed one gets nothing.
    pub async fn add_status_subscriber(&self, email: &str, confirm_hash: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let inserted = on_pool!(self, |pool| sqlx::query(
            "insert into status_subscribers (email, confirm_token, unsubscribe_token, created_at) values ($1, $2, '', $3) \
             on conflict do nothing"
        )
        .bind(email)
        .bind(confirm_hash)
        .bind(now)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        if inserted > 0 {
            return Ok(true);
        }
        // created_at doubles as "confirmation last sent".
        let resent = on_pool!(self, |pool| sqlx::query(
            "update status_subscribers set created_at = $1, confirm_token = $2 \
             where email = $3 and confirmed_at is null and created_at <= $4"
        )
        .bind(now)
        .bind(confirm_hash)
        .bind(email)
        .bind(now - chrono::Duration::hours(1))
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(resent > 0)
    }

    /// Whether a subscriber waits for confirmation with the token hashing to `confirm_hash`.
    pub async fn status_subscriber_to_confirm(&self, confirm_hash: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = on_pool!(self, |pool| sqlx::query_scalar("select id from status_subscribers where confirm_token = $1")
            .bind(confirm_hash)
            .fetch_optional(pool)
            .await)?;
        Ok(found.is_some())
    }

    /// Confirms the subscriber whose token hashes to `confirm_hash`; returns whether there was one.
    pub async fn confirm_status_subscriber(&self, confirm_hash: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let touched = on_pool!(self, |pool| sqlx::query(
            "update status_subscribers set confirmed_at = coalesce(confirmed_at, $1) where confirm_token = $2"
        )
        .bind(now)
        .bind(confirm_hash)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(touched > 0)
    }

    /// The address of subscriber `id`, if there is one.
    pub async fn status_subscriber_email(&self, id: i64) -> Result<Option<String>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar("select email from status_subscribers where id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    /// Removes subscriber `id`; returns whether there was one.
    pub async fn remove_status_subscriber(&self, id: i64) -> Result<bool, StoreError> {
        let touched = on_pool!(self, |pool| sqlx::query("delete from status_subscribers where id = $1")
            .bind(id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        Ok(touched > 0)
    }

    /// Confirmed public subscribers: (id, email), at most 100,000.
    pub async fn confirmed_status_subscribers(&self) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "select id, email from status_subscribers where confirmed_at is not null order by id limit 100000"
        )
        .fetch_all(pool)
        .await)?)
    }

    /// The install secret for `purpose`: `fresh` the first time it is asked for, the stored one
    /// after that; every instance sharing the database reads the same one.
    pub async fn install_secret(&self, purpose: &str, fresh: &str) -> Result<String, StoreError> {
        on_pool!(self, |pool| sqlx::query("insert into install_secrets (name, value) values ($1, $2) on conflict do nothing")
            .bind(purpose)
            .bind(fresh)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        Ok(on_pool!(self, |pool| sqlx::query_scalar("select value from install_secrets where name = $1")
            .bind(purpose)
            .fetch_one(pool)
            .await)?)
    }
}
