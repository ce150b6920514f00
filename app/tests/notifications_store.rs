//! The store contract for subscriptions, webhooks, public subscribers and the outbox: every test
//! runs on SQLite and on Postgres, each on a fresh database.

#![cfg(feature = "test-support")]

use app::domain::delivery::{Channel, DeliveryStatus, IncidentFilter};
use app::domain::incident::{EventKind, Status};
use app::domain::updates::Audience;
use app::store::notifications::{NewDelivery, NewSubscription, WebhookFields};
use app::store::updates::NewUpdate;
use app::store::{Store, StoreError};
use app::store_contract_tests;
use chrono::Duration;

mod common;
use common::*;

fn email(to: &str) -> NewDelivery {
    NewDelivery {
        channel: Channel::Email,
        target: to.to_string(),
        webhook_id: None,
        topic: "test".into(),
        subject: "Subject".into(),
        body: "Body".into(),
        unsubscribe_url: String::new(),
        page_id: None,
        due_at: None,
    }
}

fn subscription(user_id: Option<i64>, email: Option<&str>, incident_id: Option<i64>, filter: IncidentFilter, by: i64) -> NewSubscription {
    NewSubscription { user_id, email: email.map(str::to_string), incident_id, filter, created_by: by }
}

fn webhook(name: &str, filter: IncidentFilter, active: bool) -> WebhookFields {
    WebhookFields { name: name.into(), url: format!("https://hooks.example/{name}"), format: "json".into(), secret: String::new(), filter, active }
}

async fn recipients_are_the_incidents_subscribers_and_matching_filters_once_each(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let cy = person(&store, "Cy").await;
    let api = service(&store, "API").await;
    let web = service(&store, "Web").await;
    let sev = severity_ids(&store).await;
    let id = declare(&store, "Outage", ada, 0, &[api], t0()).await;
    let other = declare(&store, "Other", ada, 1, &[web], t0()).await;
    store.subscribe(&subscription(Some(ada), None, Some(id), IncidentFilter::default(), ada), t0()).await.unwrap();
    store.subscribe(&subscription(Some(ada), None, Some(id), IncidentFilter::default(), ada), t0()).await.unwrap();
    store.subscribe(&subscription(Some(ada), None, None, IncidentFilter { severity_id: Some(sev[0]), service_id: None }, ada), t0()).await.unwrap();
    store.subscribe(&subscription(Some(bob), None, None, IncidentFilter { severity_id: None, service_id: Some(api) }, bob), t0()).await.unwrap();
    store.subscribe(&subscription(Some(cy), None, None, IncidentFilter { severity_id: Some(sev[1]), service_id: None }, cy), t0()).await.unwrap();
    store.subscribe(&subscription(None, Some("partner@example.org"), Some(id), IncidentFilter::default(), ada), t0()).await.unwrap();
    store.create_webhook(&webhook("all", IncidentFilter::default(), true), t0()).await.unwrap();
    store.create_webhook(&webhook("web-only", IncidentFilter { severity_id: None, service_id: Some(web) }, true), t0()).await.unwrap();
    store.create_webhook(&webhook("off", IncidentFilter::default(), false), t0()).await.unwrap();

    let recipients = store.recipients(id, sev[0], &[api]).await.unwrap();
    let addresses: Vec<&str> = recipients.emails.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(addresses, ["Ada@example.com", "Bob@example.com", "partner@example.org"], "once each, Cy's SEV2 filter doesn't match");
    assert_eq!(recipients.webhooks.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(), ["all"]);
    let for_other = store.recipients(other, sev[1], &[web]).await.unwrap();
    assert_eq!(for_other.emails.iter().map(|(_, a)| a.as_str()).collect::<Vec<_>>(), ["Cy@example.com"]);
    assert_eq!(for_other.webhooks.len(), 2);

    // Deactivated people hear nothing.
    store.execute_for_test(&format!("update users set active = {} where id = {bob}", if store_is_postgres(&store) { "false" } else { "0" })).await.unwrap();
    let after = store.recipients(id, sev[0], &[api]).await.unwrap();
    assert!(!after.emails.iter().any(|(_, a)| a == "Bob@example.com"));

    let app::store::Page { rows: mine, total } = store.filter_subscriptions(Some(ada), app::store::PageRequest::first(10)).await.unwrap();
    assert_eq!((mine.len(), total), (1, 1), "only filter subscriptions are listed there");
    assert_eq!(store.incident_subscription_of(id, ada).await.unwrap().is_some(), true);
    let sub = store.incident_subscription_of(id, ada).await.unwrap().unwrap();
    store.delete_subscription(sub).await.unwrap();
    assert!(store.incident_subscription_of(id, ada).await.unwrap().is_none());
}

fn store_is_postgres(store: &Store) -> bool {
    format!("{store:?}").contains("Postgres")
}

async fn deliveries_are_written_with_their_update_or_not_at_all(store: Store) {
    let ada = person(&store, "Ada").await;
    let id = declare(&store, "Outage", ada, 0, &[], t0()).await;
    let update = NewUpdate {
        incident_id: id,
        status: Status::Investigating,
        audience: Audience { internal: true, public: false },
        public_title: String::new(),
        body: "Hello".into(),
        body_html: "<p>Hello</p>".into(),
        author_id: ada,
    };
    let many: Vec<NewDelivery> = (0..1200).map(|n| email(&format!("p{n}@example.com"))).collect();
    store.publish_update(&update, &[], &event(EventKind::UpdatePublished, "x", t0()), &many, t0()).await.unwrap();
    let (_, counts) = store.list_deliveries(None, app::store::PageRequest::first(1)).await.unwrap();
    assert_eq!(counts.iter().find(|(s, _)| *s == DeliveryStatus::Pending).unwrap().1, 1200, "written in chunks, all of them");
    // An update for a missing incident fails, and none of its deliveries are left behind.
    let missing = NewUpdate { incident_id: 999_999, ..update };
    let refused = store.publish_update(&missing, &[], &event(EventKind::UpdatePublished, "x", t0()), &[email("x@example.com")], t0()).await;
    assert!(matches!(refused, Err(StoreError::ForeignKey(_))), "{refused:?}");
    let (_, counts) = store.list_deliveries(None, app::store::PageRequest::first(1)).await.unwrap();
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<i64>(), 1200);
}

async fn a_claim_is_a_lease_and_only_its_holder_records_the_outcome(store: Store) {
    store.enqueue_deliveries(&[email("a@example.com"), email("b@example.com")], t0()).await.unwrap();
    let lease = Duration::seconds(60);
    let first = store.claim_due_deliveries(t0(), lease, 1).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].status, first[0].attempts), (DeliveryStatus::Sending, 1));
    let second = store.claim_due_deliveries(t0(), lease, 10).await.unwrap();
    assert_eq!(second.len(), 1, "a claimed delivery is not claimed again while its lease runs");
    assert_ne!(second[0].id, first[0].id);
    assert!(store.claim_due_deliveries(t0() + Duration::seconds(59), lease, 10).await.unwrap().is_empty());

    // The first worker dies; after its lease the delivery is taken over (attempt 2).
    let taken_over = store.claim_due_deliveries(t0() + Duration::seconds(60), lease, 10).await.unwrap();
    assert_eq!(taken_over.iter().map(|d| (d.id, d.attempts)).collect::<Vec<_>>(), [(first[0].id, 2), (second[0].id, 2)]);
    // The dead worker's late outcome is ignored; the holder's counts.
    store.mark_delivery_sent(first[0].id, 1, t0()).await.unwrap();
    let (app::store::Page { rows: log, .. }, _) = store.list_deliveries(Some(DeliveryStatus::Sent), app::store::PageRequest::first(10)).await.unwrap();
    assert!(log.is_empty(), "an outcome from a lost claim is not recorded");
    store.mark_delivery_sent(first[0].id, 2, t0()).await.unwrap();
    store.mark_delivery_failed(second[0].id, 2, "HTTP 500", Some(t0() + Duration::minutes(2)), t0()).await.unwrap();
    let later = t0() + Duration::minutes(3);
    let again = store.claim_due_deliveries(later, lease, 10).await.unwrap();
    assert_eq!(again.iter().map(|d| d.id).collect::<Vec<_>>(), [second[0].id], "sent deliveries are never claimed again");
    store.mark_delivery_failed(second[0].id, 3, "HTTP 500", None, later).await.unwrap();
    let (app::store::Page { rows: failed, .. }, counts) = store.list_deliveries(Some(DeliveryStatus::Failed), app::store::PageRequest::first(10)).await.unwrap();
    assert_eq!(failed[0].last_error, "HTTP 500");
    assert_eq!(counts, [(DeliveryStatus::Pending, 0), (DeliveryStatus::Sending, 0), (DeliveryStatus::Sent, 1), (DeliveryStatus::Failed, 1), (DeliveryStatus::Cancelled, 0)]);

    store.retry_delivery(second[0].id, later).await.unwrap();
    let retried = store.claim_due_deliveries(later, lease, 10).await.unwrap();
    assert_eq!((retried[0].id, retried[0].attempts), (second[0].id, 1), "a retry starts counting again");
    assert!(matches!(store.retry_delivery(first[0].id, later).await, Err(StoreError::Stale)), "sent ones aren't retried");
    assert!(matches!(store.retry_delivery(424242, later).await, Err(StoreError::NotFound)));
}

async fn webhooks_are_edited_under_revision_guard(store: Store) {
    let id = store.create_webhook(&webhook("ops", IncidentFilter::default(), true), t0()).await.unwrap();
    let hook = store.webhook(id).await.unwrap().unwrap();
    let mut fields = webhook("ops-renamed", IncidentFilter::default(), false);
    fields.secret = "s".into();
    store.update_webhook(id, &fields, hook.revision, t0()).await.unwrap();
    assert!(matches!(store.update_webhook(id, &fields, hook.revision, t0()).await, Err(StoreError::Stale)));
    let changed = store.webhook(id).await.unwrap().unwrap();
    assert_eq!((changed.name.as_str(), changed.active, changed.secret.as_str()), ("ops-renamed", false, "s"));
    assert_eq!(store.list_webhooks().await.unwrap().len(), 1);
}

async fn public_subscribers_confirm_before_they_receive_and_leave_with_one_click(store: Store) {
    assert!(store.add_status_subscriber("fan@example.org", "hash1", t0()).await.unwrap());
    assert!(!store.add_status_subscriber("fan@example.org", "hash2", t0()).await.unwrap(), "not again within the hour");
    assert!(store.status_subscriber_to_confirm("hash1").await.unwrap());
    let later = t0() + Duration::minutes(61);
    assert!(store.add_status_subscriber("fan@example.org", "hash2", later).await.unwrap(), "later, a new link");
    assert!(!store.status_subscriber_to_confirm("hash1").await.unwrap(), "the old link is replaced");
    assert!(store.confirmed_status_subscribers().await.unwrap().is_empty(), "not before confirming");
    assert!(!store.confirm_status_subscriber("wrong", t0()).await.unwrap());
    assert!(store.confirm_status_subscriber("hash2", t0()).await.unwrap());
    let confirmed = store.confirmed_status_subscribers().await.unwrap();
    assert_eq!(confirmed.iter().map(|(_, email)| email.as_str()).collect::<Vec<_>>(), ["fan@example.org"]);
    assert!(!store.add_status_subscriber("fan@example.org", "hash3", t0()).await.unwrap(), "already confirmed");
    let id = confirmed[0].0;
    assert_eq!(store.status_subscriber_email(id).await.unwrap().as_deref(), Some("fan@example.org"));
    assert!(store.remove_status_subscriber(id).await.unwrap());
    assert_eq!(store.status_subscriber_email(id).await.unwrap(), None);
    assert!(!store.remove_status_subscriber(id).await.unwrap());
    assert!(store.confirmed_status_subscribers().await.unwrap().is_empty());
    // One install secret per purpose, the same for every caller.
    let secret = store.install_secret("unsubscribe", "first").await.unwrap();
    assert_eq!(secret, "first");
    assert_eq!(store.install_secret("unsubscribe", "second").await.unwrap(), "first");
}

store_contract_tests!(
    recipients_are_the_incidents_subscribers_and_matching_filters_once_each,
    deliveries_are_written_with_their_update_or_not_at_all,
    a_claim_is_a_lease_and_only_its_holder_records_the_outcome,
    webhooks_are_edited_under_revision_guard,
    public_subscribers_confirm_before_they_receive_and_leave_with_one_click,
);
