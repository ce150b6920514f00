//! The delivery worker: sends what the outbox holds, by email (SMTP, lettre) and webhook (HTTP
//! POST, reqwest), retrying with backoff.
//!
//! Webhooks go only where the outbound policy (`app::state::outbound`) allows: an address in the
//! URL is checked before the request, and names are resolved by the policy's resolver, so the
//! client connects only to addresses that were checked. No redirects are followed, no proxy from
//! the environment is used, and at most `ANSWER_LIMIT` bytes of an answer are read.
//!
//! A delivery is claimed with a lease (`claim_due_deliveries`), sent, and its outcome recorded
//! only while the claim is still this worker's. If the process dies mid-send, the lease ends and
//! the delivery is sent again: delivery is at least once, and every message carries a stable id
//! (email `Message-ID`, webhook `X-Quell-Delivery`) so a receiver can drop a repeat. A delivery
//! whose send succeeded and was recorded is never claimed again.

use app::domain::delivery::{next_attempt_after_failure, Channel};
use app::state::outbound::OutboundPolicy;
use app::state::AppState;
use app::store::notifications::{Delivery, Webhook};
use hmac::{Hmac, Mac};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

/// How a claimed delivery is held before another worker may take it over.
const LEASE_SECONDS: i64 = 60;
/// Deliveries claimed at once.
const BATCH: i64 = 20;
/// How often the worker looks for deliveries that came due (retries) without being woken.
pub const POLL: Duration = Duration::from_secs(2);
/// The delivery worker's name (in logs and `/readyz`).
pub const WORKER: &str = "delivery";
/// The delivery worker is stalled when a look has not finished for this long (a look sends at
/// most one batch at once, each send within `SEND_TIMEOUT`).
pub const STALL: Duration = Duration::from_secs(120);
/// How long one send may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);
/// The most of a webhook's answer that is read (the delivery log keeps a short excerpt of it).
const ANSWER_LIMIT: usize = 4096;
/// The most of an answer the delivery log keeps, in characters.
const EXCERPT_CHARS: usize = 200;

/// How to reach the SMTP server (from `QUELL_SMTP_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, such as `Quell <quell@example.com>`.
    pub from: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (refused if the server can't).
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
    /// No encryption (a relay on the same host or network only).
    None,
}

/// Sends deliveries over their channel.
pub struct Sender {
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    smtp_error: Option<String>,
    /// `Err` (the reason) if the client could not be built: webhooks then fail with it rather
    /// than go out through a client without the policy.
    http: Result<reqwest::Client, String>,
    policy: Arc<OutboundPolicy>,
}

/// Resolves names for the webhook client through the outbound policy.
struct PolicyResolver(Arc<OutboundPolicy>);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            // reqwest puts the URL's port on the addresses it gets back.
            let addresses = policy.resolve_allowed(name.as_str(), 0).await?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

impl Sender {
    /// A sender for email through `smtp` and webhooks where `policy` allows.
    pub fn new(smtp: Option<&SmtpSettings>, policy: OutboundPolicy) -> Sender {
        let policy = Arc::new(policy);
        let http = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .connect_timeout(SEND_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(PolicyResolver(policy.clone())))
            .user_agent("Quell webhooks")
            .build()
            .map_err(|err| format!("the HTTP client could not be built: {err}"));
        if let Err(err) = &http {
            tracing::error!(error = %err, "webhooks can't be sent");
        }
        let (smtp, smtp_error) = match smtp.map(build_smtp) {
            None => (None, Some("Email is not configured: set QUELL_SMTP_HOST and QUELL_SMTP_FROM.".to_string())),
            Some(Ok(transport)) => (Some(transport), None),
            Some(Err(err)) => (None, Some(err)),
        };
        Sender { smtp, smtp_error, http, policy }
    }

    /// Sends one delivery; the error is what the delivery log shows.
    pub async fn send(&self, delivery: &Delivery, webhook: Option<&Webhook>, now: chrono::DateTime<chrono::Utc>) -> Result<(), String> {
        match delivery.channel {
            Channel::Email => self.send_email(delivery).await,
            Channel::Webhook => self.post_webhook(delivery, webhook, now).await,
        }
    }

    async fn send_email(&self, delivery: &Delivery) -> Result<(), String> {
        let Some((transport, from)) = &self.smtp else {
            return Err(self.smtp_error.clone().unwrap_or_default());
        };
        let to: Mailbox = delivery.target.parse().map_err(|err| format!("bad address {}: {err}", delivery.target))?;
        let domain = from.email.domain().to_string();
        let mut builder = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(app::domain::text::strip_controls(&delivery.subject, false))
            .message_id(Some(format!("<delivery-{}@{domain}>", delivery.id)))
            .header(ContentType::TEXT_PLAIN);
        if !delivery.unsubscribe_url.is_empty() {
            builder = builder
                .raw_header(lettre::message::header::HeaderValue::new(
                    lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{}>", delivery.unsubscribe_url),
                ))
                .raw_header(lettre::message::header::HeaderValue::new(
                    lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_string(),
                ));
        }
        let message = builder.body(app::domain::text::strip_controls(&delivery.body, true)).map_err(|err| format!("could not build the email: {err}"))?;
        match tokio::time::timeout(SEND_TIMEOUT, transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(err)) => Err(format!("SMTP: {}", error_chain(&err))),
            Err(_) => Err("SMTP: no answer within 15 seconds".to_string()),
        }
    }

    async fn post_webhook(&self, delivery: &Delivery, webhook: Option<&Webhook>, now: chrono::DateTime<chrono::Utc>) -> Result<(), String> {
        // An address in the URL is checked here; a name, by the resolver when connecting.
        self.policy.check_form(&delivery.target).map_err(|refused| format!("Refused: {refused}"))?;
        let http = self.http.as_ref().map_err(Clone::clone)?;
        let mut request = http
            .post(&delivery.target)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Quell-Delivery", delivery.id.to_string());
        if let Some(secret) = webhook.map(|w| w.secret.as_str()).filter(|s| !s.is_empty()) {
            let timestamp = now.timestamp();
            request = request
                .header("X-Quell-Timestamp", timestamp.to_string())
                .header("X-Quell-Signature", format!("sha256={}", sign(secret, timestamp, &delivery.body)));
        }
        let mut response = request.body(delivery.body.clone()).send().await.map_err(|err| format!("HTTP: {}", error_chain(&err)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let mut answer = Vec::new();
        while answer.len() < ANSWER_LIMIT {
            match response.chunk().await {
                Ok(Some(chunk)) => answer.extend_from_slice(&chunk[..chunk.len().min(ANSWER_LIMIT - answer.len())]),
                Ok(None) | Err(_) => break,
            }
        }
        let excerpt = answer_excerpt(&answer);
        Err(format!("HTTP {status}{}", if excerpt.is_empty() { String::new() } else { format!(": {excerpt}") }))
    }
}

/// What the delivery log keeps of a receiver's answer: at most `EXCERPT_CHARS` characters of
/// text, without control characters, whatever bytes came back.
pub fn answer_excerpt(answer: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(answer).chars().filter(|c| !c.is_control()).take(EXCERPT_CHARS).collect();
    text.trim().to_string()
}

fn build_smtp(settings: &SmtpSettings) -> Result<(AsyncSmtpTransport<Tokio1Executor>, Mailbox), String> {
    let from: Mailbox = settings.from.parse().map_err(|err| format!("QUELL_SMTP_FROM {:?}: {err}", settings.from))?;
    let builder = match settings.security {
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host),
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host).map_err(|err| err.to_string())?,
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(|err| err.to_string())?,
    };
    let mut builder = builder.port(settings.port).timeout(Some(SEND_TIMEOUT));
    if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok((builder.build(), from))
}

/// The HMAC-SHA256 of `{timestamp}.{body}` with the webhook's secret, in hex.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Sends one batch of due deliveries; returns how many were claimed.
pub async fn deliver_due(state: &AppState, sender: &Sender) -> Result<usize, app::store::StoreError> {
    let now = state.now();
    let claimed = state.store.claim_due_deliveries(now, chrono::Duration::seconds(LEASE_SECONDS), BATCH).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let webhooks = if claimed.iter().any(|d| d.channel == Channel::Webhook) { state.store.list_webhooks().await? } else { Vec::new() };
    let sends = claimed.iter().map(|delivery| {
        let webhook = webhooks.iter().find(|w| Some(w.id) == delivery.webhook_id);
        async move { (delivery, sender.send(delivery, webhook, now).await) }
    });
    for (delivery, outcome) in futures_util::future::join_all(sends).await {
        let done = state.now();
        let recorded = match outcome {
            Ok(()) => state.store.mark_delivery_sent(delivery.id, delivery.attempts, done).await,
            Err(error) => {
                tracing::warn!(delivery_id = delivery.id, attempt = delivery.attempts, %error, "delivery failed");
                let retry = next_attempt_after_failure(delivery.attempts, done);
                state.store.mark_delivery_failed(delivery.id, delivery.attempts, &error, retry, done).await
            }
        };
        if let Err(err) = recorded {
            tracing::error!(delivery_id = delivery.id, error = %err, "recording a delivery's outcome failed");
        }
    }
    Ok(claimed.len())
}

/// Runs until the task is aborted: sends due deliveries, then waits for new ones to be queued
/// or for `poll` to pass (retries come due with time).
pub async fn run(state: AppState, sender: Arc<Sender>, poll: Duration) {
    loop {
        let mut full = false;
        crate::supervise::look(&state, WORKER, async {
            let claimed = deliver_due(&state, &sender).await.map_err(|err| format!("claiming deliveries: {err}"))?;
            // A full batch: there may be more waiting.
            full = claimed as i64 == BATCH;
            Ok(())
        })
        .await;
        if !full {
            let _ = tokio::time::timeout(poll, state.deliveries_queued.notified()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_answer_becomes_a_short_plain_excerpt() {
        assert_eq!(answer_excerpt(b"  Bad token\r\n"), "Bad token");
        assert_eq!(answer_excerpt(&[0xff, b'o', b'k', 0x00, 0x1b]), "\u{fffd}ok");
        // Random bytes, seeded: never a panic, never a control character, never long.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let bytes: Vec<u8> = (0..(state % 1_500) as usize).map(|i| (state.rotate_left(i as u32 % 64) >> 3) as u8).collect();
            let excerpt = answer_excerpt(&bytes);
            assert!(excerpt.chars().count() <= EXCERPT_CHARS && !excerpt.chars().any(char::is_control), "{excerpt:?}");
        }
    }

    #[test]
    fn signatures_are_hmac_sha256_of_timestamp_and_body() {
        // From: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        assert_eq!(sign("secret", 1_700_000_000, "{\"a\":1}"), "49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686");
    }
}
