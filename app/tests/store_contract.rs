//! The store contract: every test runs on SQLite and on Postgres, each on a fresh database.

#![cfg(feature = "test-support")]

use app::domain::permissions::OrgRole;
use app::domain::throttle::ThrottleScope;
use app::store::sessions::SessionBackend;
use app::store::{NewUser, Store, Refusal, StoreError};
use app::store_contract_tests;
use chrono::{DateTime, Duration, TimeZone, Utc};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

fn new_user(email: &str, role: OrgRole) -> NewUser {
    NewUser {
        email: email.to_string(),
        display_name: format!("Person {email}"),
        time_zone: "Europe/Paris".to_string(),
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".to_string(),
    }
}

async fn the_first_admin_can_be_created_only_once(store: Store) {
    assert!(!store.setup_completed().await.unwrap());
    let admin = store.create_first_admin(&new_user("root@example.com", OrgRole::Admin), t0()).await.unwrap();
    assert_eq!(admin.role, OrgRole::Admin);
    assert_eq!(admin.created_at, t0());
    assert!(store.setup_completed().await.unwrap());
    let again = store.create_first_admin(&new_user("other@example.com", OrgRole::Admin), t0()).await;
    assert!(matches!(again, Err(StoreError::Refused(Refusal::SetupDone))), "{again:?}");
    assert_eq!(store.count_users().await.unwrap(), 1);
}

async fn racing_first_admins_leave_exactly_one(store: Store) {
    let attempts = (0..4).map(|i| {
        let store = store.clone();
        tokio::spawn(async move { store.create_first_admin(&new_user(&format!("racer{i}@example.com"), OrgRole::Admin), t0()).await })
    });
    let mut created = 0;
    for attempt in attempts {
        if attempt.await.unwrap().is_ok() {
            created += 1;
        }
    }
    assert_eq!(created, 1);
    assert_eq!(store.count_users().await.unwrap(), 1);
}

async fn emails_are_unique_whatever_their_case(store: Store) {
    store.create_user(&new_user("ada@example.com", OrgRole::Responder), t0()).await.unwrap();
    let duplicate = store.create_user(&new_user("ADA@example.com", OrgRole::Viewer), t0()).await;
    assert!(matches!(duplicate, Err(StoreError::Unique(_))), "{duplicate:?}");
    let found = store.user_by_email("Ada@Example.com").await.unwrap().expect("found case-insensitively");
    assert_eq!(found.user.email, "ada@example.com");
    assert_eq!(found.user.time_zone, "Europe/Paris");
    assert!(store.user_by_email("nobody@example.com").await.unwrap().is_none());
}

async fn users_are_listed_a_page_at_a_time_in_email_order(store: Store) {
    for name in ["carol", "alice", "erin", "bob", "dave"] {
        store.create_user(&new_user(&format!("{name}@example.com"), OrgRole::Responder), t0()).await.unwrap();
    }
    let first = store.list_users(app::store::PageRequest::first(2)).await.unwrap();
    let emails: Vec<_> = first.rows.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(emails, ["alice@example.com", "bob@example.com"]);
    assert_eq!(first.total, 5);
    let last = store.list_users(app::store::PageRequest { limit: 2, offset: 4 }).await.unwrap();
    assert_eq!(last.rows.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(), ["erin@example.com"]);
}

async fn an_edit_from_a_stale_revision_is_refused(store: Store) {
    let user = store.create_user(&new_user("ada@example.com", OrgRole::Responder), t0()).await.unwrap();
    let edited = store.update_profile(user.id, "Ada L.", "Asia/Tokyo", user.revision, t0()).await.unwrap();
    assert_eq!(edited.display_name, "Ada L.");
    assert_eq!(edited.revision, user.revision + 1);
    let stale = store.update_profile(user.id, "Ada Lovelace", "UTC", user.revision, t0()).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    let current = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(current.user.display_name, "Ada L.", "the first edit is kept");
    let missing = store.update_user_role(9999, OrgRole::Viewer, 1, t0()).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
}

async fn the_last_active_admin_cannot_be_demoted_or_deactivated(store: Store) {
    let admin = store.create_first_admin(&new_user("root@example.com", OrgRole::Admin), t0()).await.unwrap();
    let demote = store.update_user_role(admin.id, OrgRole::Viewer, admin.revision, t0()).await;
    assert!(matches!(demote, Err(StoreError::Refused(Refusal::LastAdmin))), "{demote:?}");
    let deactivate = store.set_user_active(admin.id, false, admin.revision, t0()).await;
    assert!(matches!(deactivate, Err(StoreError::Refused(Refusal::LastAdmin))), "{deactivate:?}");

    let second = store.create_user(&new_user("second@example.com", OrgRole::Responder), t0()).await.unwrap();
    let promoted = store.update_user_role(second.id, OrgRole::Admin, second.revision, t0()).await.unwrap();
    assert_eq!(promoted.role, OrgRole::Admin);
    let demoted = store.update_user_role(admin.id, OrgRole::Viewer, admin.revision, t0()).await.unwrap();
    assert_eq!(demoted.role, OrgRole::Viewer);
}

async fn deactivation_and_new_passwords_end_sessions_by_bumping_the_auth_version(store: Store) {
    store.create_first_admin(&new_user("root@example.com", OrgRole::Admin), t0()).await.unwrap();
    let user = store.create_user(&new_user("ada@example.com", OrgRole::Responder), t0()).await.unwrap();
    let before = store.user_by_id(user.id).await.unwrap().unwrap().auth_version;

    let deactivated = store.set_user_active(user.id, false, user.revision, t0()).await.unwrap();
    assert!(!deactivated.active);
    let after_deactivation = store.user_by_id(user.id).await.unwrap().unwrap().auth_version;
    assert_eq!(after_deactivation, before + 1);

    let reactivated = store.set_user_active(user.id, true, deactivated.revision, t0()).await.unwrap();
    assert!(reactivated.active);
    assert_eq!(store.user_by_id(user.id).await.unwrap().unwrap().auth_version, after_deactivation);

    let record = store.set_password(user.id, "new-hash", t0()).await.unwrap();
    assert_eq!(record.auth_version, after_deactivation + 1);
    assert_eq!(record.password_hash, "new-hash");
}

async fn sign_in_failures_are_counted_locked_and_cleared(store: Store) {
    let policy = ThrottleScope::Account.policy();
    let key = ThrottleScope::Account.key("ada@example.com");
    let mut count = None;
    for _ in 0..policy.lock_after {
        count = Some(store.count_attempt(&key, &policy, t0()).await.unwrap());
    }
    let count = count.unwrap();
    assert_eq!(count.failures, policy.lock_after);
    assert_eq!(count.locked_until, Some(t0() + policy.lock_for));

    let other = ThrottleScope::Client.key("10.0.0.1");
    let loaded = store.failure_counts([&key, &other]).await.unwrap();
    assert_eq!(loaded, vec![(key.clone(), count)]);

    store.clear_failures(&key).await.unwrap();
    assert!(store.failure_counts([&key, &other]).await.unwrap().is_empty());
}

async fn stored_counts_follow_the_domain_rule_across_windows_and_locks(store: Store) {
    let policy = ThrottleScope::Account.policy();
    let key = "account:rule@example.com";
    // Minutes after t0 at which failures happen: a burst that locks, failures during the lock,
    // one after the lock expired, then one after a quiet window.
    let minutes = [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 6, 10, 21, 22, 60];
    let mut expected = None;
    for minute in minutes {
        let now = t0() + Duration::minutes(minute);
        expected = Some(policy.record_failure(expected.as_ref(), now));
        let stored = store.count_attempt(key, &policy, now).await.unwrap();
        assert_eq!(Some(stored), expected, "at minute {minute}");
    }
}

async fn concurrent_failures_are_all_counted(store: Store) {
    let policy = ThrottleScope::Client.policy();
    let key = ThrottleScope::Client.key("192.0.2.7");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, key) = (store.clone(), key.clone());
            tokio::spawn(async move { store.count_attempt(&key, &policy, t0()).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let counts = store.failure_counts([&key, "none"]).await.unwrap();
    assert_eq!(counts[0].1.failures, 8);
}

async fn old_sign_in_counters_are_purged(store: Store) {
    let policy = ThrottleScope::Account.policy();
    store.count_attempt("account:old", &policy, t0()).await.unwrap();
    store.count_attempt("account:new", &policy, t0() + Duration::days(2)).await.unwrap();
    let now = t0() + Duration::days(2);
    assert_eq!(store.purge_failure_counts(now - Duration::days(1), now).await.unwrap(), 1);
    assert_eq!(store.failure_counts(["account:old", "account:new"]).await.unwrap().len(), 1);
}

async fn sessions_are_saved_loaded_and_deleted(store: Store) {
    use tower_sessions::session::{Id, Record};
    use tower_sessions::session_store::{ExpiredDeletion, SessionStore};
    let sessions = SessionBackend::for_store(&store);
    let mut record = Record {
        id: Id::default(),
        data: [("user_id".to_string(), serde_json::json!(7))].into_iter().collect(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    sessions.create(&mut record).await.unwrap();
    let loaded = sessions.load(&record.id).await.unwrap().expect("saved");
    assert_eq!(loaded.data.get("user_id"), Some(&serde_json::json!(7)));
    sessions.delete(&record.id).await.unwrap();
    assert!(sessions.load(&record.id).await.unwrap().is_none());

    let mut expired = Record { id: Id::default(), data: Default::default(), expiry_date: time::OffsetDateTime::now_utc() - time::Duration::hours(1) };
    sessions.create(&mut expired).await.unwrap();
    sessions.delete_expired().await.unwrap();
    assert!(sessions.load(&expired.id).await.unwrap().is_none());
}

async fn migrating_again_changes_nothing(store: Store) {
    store.create_user(&new_user("ada@example.com", OrgRole::Responder), t0()).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.count_users().await.unwrap(), 1);
    store.ping().await.unwrap();
}

store_contract_tests!(
    the_first_admin_can_be_created_only_once,
    racing_first_admins_leave_exactly_one,
    emails_are_unique_whatever_their_case,
    users_are_listed_a_page_at_a_time_in_email_order,
    an_edit_from_a_stale_revision_is_refused,
    the_last_active_admin_cannot_be_demoted_or_deactivated,
    deactivation_and_new_passwords_end_sessions_by_bumping_the_auth_version,
    sign_in_failures_are_counted_locked_and_cleared,
    stored_counts_follow_the_domain_rule_across_windows_and_locks,
    concurrent_failures_are_all_counted,
    old_sign_in_counters_are_purged,
    sessions_are_saved_loaded_and_deleted,
    migrating_again_changes_nothing,
);

/// Several instances starting at once against one empty database each run the migrations; every
/// one succeeds and each migration is applied exactly once.
async fn check_concurrent_migrations(url: String) {
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let store = Store::connect(&url).await?;
                store.migrate().await?;
                let count = store.count_users().await?;
                store.close().await;
                Ok::<_, StoreError>(count)
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 0);
    }
}

#[tokio::test]
async fn concurrent_migrations_on_sqlite_apply_once() {
    let db = app::store::testing::empty_sqlite().await.unwrap();
    check_concurrent_migrations(db.url()).await;
    db.cleanup().await;
}

#[tokio::test]
async fn concurrent_migrations_on_postgres_apply_once() {
    if let Some(db) = app::store::testing::empty_postgres().await {
        check_concurrent_migrations(db.url()).await;
        db.cleanup().await;
    }
}
