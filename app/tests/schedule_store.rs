//! The store contract for on-call: schedules, layers with their people, overrides, calendar feed
//! tokens, people's contact methods, escalation policies, pages (each step claimed once) and
//! hand-off notices (each queued once). Every test runs on SQLite and on Postgres, each on a
//! fresh database.

#![cfg(feature = "test-support")]

use app::domain::contact::ContactKind;
use app::domain::schedule::{final_schedule, on_call_at, Layer, Override, OverrideKind, Restriction, ShiftLength};
use app::domain::delivery::{Channel, DeliveryStatus};
use app::domain::incident::{AckSource, EventKind};
use app::store::incidents::NewIncident;
use app::domain::paging::{Level, PageStatus, Plan, Target};
use app::store::notifications::NewDelivery;
use app::store::paging::{Acknowledged, HandoffNotice, NewPage, NewRecipient, PolicyFields, TakenStep};
use app::store::schedules::{FeedOwner, LayerFields, ScheduleFields};
use app::store::deleted::SoftDeleted;
use app::store::{Store, StoreError};
use app::store_contract_tests;
use chrono::{Duration, NaiveDate, NaiveTime, Weekday};

mod common;
use common::*;

fn fields(name: &str, zone: &str) -> ScheduleFields {
    ScheduleFields { name: name.into(), description: format!("{name} rota"), time_zone: zone.into(), handoff_notice_minutes: 60 }
}

fn weekly(participants: &[i64]) -> LayerFields {
    LayerFields {
        name: "Primary".into(),
        layer: Layer {
            participants: participants.to_vec(),
            shift: ShiftLength::Weeks(1),
            handoff: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            start_date: NaiveDate::from_ymd_opt(2026, 2, 23).unwrap(),
            restrictions: vec![],
        },
    }
}

async fn layers_keep_their_people_in_turn_order_and_edits_need_the_current_revision(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let cy = person(&store, "Cy").await;
    let id = store.create_schedule(&fields("Platform", "Europe/Berlin"), t0()).await.unwrap();
    let schedule = store.schedule(id).await.unwrap().unwrap();
    assert_eq!((schedule.name.as_str(), schedule.time_zone.as_str(), schedule.revision), ("Platform", "Europe/Berlin", 1));
    let duplicate = store.create_schedule(&fields("platform", "UTC"), t0()).await;
    assert!(matches!(duplicate, Err(StoreError::Unique(_))), "names are unique regardless of case");

    let primary = store.add_layer(id, &weekly(&[bob, ada, bob]), 1, t0()).await.unwrap();
    assert!(matches!(store.add_layer(id, &weekly(&[cy]), 1, t0()).await, Err(StoreError::Stale)), "revision 1 is gone");
    let mut business = weekly(&[cy]);
    business.name = "Business hours".into();
    business.layer.shift = ShiftLength::Days(1);
    business.layer.restrictions = vec![Restriction::business_hours()];
    let second = store.add_layer(id, &business, 2, t0()).await.unwrap();

    let plans = store.schedule_plans(vec![store.schedule(id).await.unwrap().unwrap()], t0(), t0() + Duration::days(7)).await.unwrap();
    let layers = &plans[0].layers;
    assert_eq!(layers.iter().map(|l| (l.id, l.position)).collect::<Vec<_>>(), [(primary, 1), (second, 2)]);
    assert_eq!(layers[0].layer, weekly(&[bob, ada, bob]).layer, "the rule and the people read back as written");
    assert_eq!(layers[1].layer.restrictions[0].weekdays[4], Weekday::Fri);
    assert_eq!(plans[0].schedule.revision, 3);

    let mut changed = weekly(&[ada, cy]);
    changed.layer.shift = ShiftLength::Hours(12);
    store.update_layer(id, primary, &changed, 3, t0()).await.unwrap();
    assert!(matches!(store.update_layer(id, primary, &changed, 3, t0()).await, Err(StoreError::Stale)));
    assert!(matches!(store.update_layer(id, 9999, &changed, 4, t0()).await, Err(StoreError::NotFound)));
    store.remove_layer(id, second, 4, t0()).await.unwrap();
    let plans = store.schedule_plans(vec![store.schedule(id).await.unwrap().unwrap()], t0(), t0() + Duration::days(7)).await.unwrap();
    assert_eq!(plans[0].layers.len(), 1);
    assert_eq!(plans[0].layers[0].layer.participants, [ada, cy]);
    assert_eq!(plans[0].layers[0].layer.shift, ShiftLength::Hours(12));

    let mut renamed = fields("Platform primary", "America/Chicago");
    renamed.handoff_notice_minutes = 30;
    store.update_schedule(id, &renamed, 5, t0()).await.unwrap();
    assert!(matches!(store.update_schedule(id, &renamed, 5, t0()).await, Err(StoreError::Stale)));
    assert!(matches!(store.update_schedule(777, &renamed, 1, t0()).await, Err(StoreError::NotFound)));
    let page = store.schedules_page(app::store::PageRequest::first(10)).await.unwrap();
    assert_eq!((page.total, page.rows[0].name.as_str(), page.rows[0].handoff_notice_minutes), (1, "Platform primary", 30));
    assert_eq!(store.schedules_of_user(cy, 10).await.unwrap().len(), 1);
    assert!(store.schedules_of_user(bob, 10).await.unwrap().is_empty(), "Bob left the rotation");
}

async fn plans_load_many_schedules_with_the_overrides_in_range(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let id = store.create_schedule(&fields(&format!("Rota {n}"), "UTC"), t0()).await.unwrap();
        store.add_layer(id, &weekly(&[ada, bob]), 1, t0()).await.unwrap();
        ids.push(id);
    }
    let cover = |start: i64, hours: i64| Override {
        user_id: bob,
        start: t0() + Duration::hours(start),
        end: t0() + Duration::hours(start + hours),
        kind: OverrideKind::Cover { covering_for: Some(ada) },
    };
    let early = store.add_override(ids[1], &cover(-48, 24), ada, t0()).await.unwrap();
    let now = store.add_override(ids[1], &cover(-1, 3), ada, t0()).await.unwrap();
    let later = store.add_override(ids[1], &cover(24 * 30, 2), ada, t0()).await.unwrap();
    let add = Override { kind: OverrideKind::Add, ..cover(2, 1) };
    store.add_override(ids[2], &add, bob, t0()).await.unwrap();

    let schedules = store.schedules_page(app::store::PageRequest::first(10)).await.unwrap().rows;
    let plans = store.schedule_plans(schedules, t0(), t0() + Duration::days(7)).await.unwrap();
    assert_eq!(plans.iter().map(|p| p.schedule.id).collect::<Vec<_>>(), ids);
    assert!(plans.iter().all(|p| p.layers.len() == 1));
    assert_eq!(plans[0].overrides.len(), 0);
    assert_eq!(plans[1].overrides.iter().map(|o| o.id).collect::<Vec<_>>(), [now], "only the one overlapping the range");
    assert_eq!(plans[1].overrides[0].rule, cover(-1, 3));
    assert_eq!(plans[2].overrides[0].rule.kind, OverrideKind::Add);

    // The stored plan drives the arithmetic: Ada's week (from 23 February 09:00), covered by Bob now.
    let tz: chrono_tz::Tz = plans[1].schedule.time_zone.parse().unwrap();
    let layers: Vec<Layer> = plans[1].layers.iter().map(|l| l.layer.clone()).collect();
    let rules: Vec<Override> = plans[1].overrides.iter().map(|o| o.rule).collect();
    let from = t0() + Duration::days(1);
    let shifts = final_schedule(&tz, &layers, &rules, t0() - Duration::hours(1), from + Duration::days(7));
    assert_eq!(on_call_at(&shifts, t0()), [bob]);
    assert_eq!(on_call_at(&shifts, t0() + Duration::hours(3)), [ada]);

    let current = store.current_overrides(ids[1], t0(), app::store::PageRequest::first(10)).await.unwrap();
    assert_eq!((current.total, current.rows.iter().map(|o| o.id).collect::<Vec<_>>()), (2, vec![now, later]));
    assert!(matches!(store.remove_override(ids[0], now).await, Err(StoreError::NotFound)), "not that schedule's");
    store.remove_override(ids[1], now).await.unwrap();
    store.remove_override(ids[1], early).await.unwrap();
    assert_eq!(store.current_overrides(ids[1], t0(), app::store::PageRequest::first(10)).await.unwrap().total, 1);

    store.delete_schedule(ids[1], 2, t0()).await.unwrap();
    assert!(store.schedule(ids[1]).await.unwrap().is_none());
    assert_eq!(store.schedules_page(app::store::PageRequest::first(10)).await.unwrap().total, 2);
}

async fn a_calendar_token_opens_one_feed_until_it_is_replaced(store: Store) {
    let ada = person(&store, "Ada").await;
    let id = store.create_schedule(&fields("Rota", "UTC"), t0()).await.unwrap();
    assert!(!store.has_calendar_feed(FeedOwner::Schedule(id)).await.unwrap());
    store.set_calendar_feed(FeedOwner::Schedule(id), "hash-1", t0()).await.unwrap();
    store.set_calendar_feed(FeedOwner::User(ada), "hash-2", t0()).await.unwrap();
    assert_eq!(store.calendar_feed_owner("hash-1").await.unwrap(), Some(FeedOwner::Schedule(id)));
    assert_eq!(store.calendar_feed_owner("hash-2").await.unwrap(), Some(FeedOwner::User(ada)));
    store.set_calendar_feed(FeedOwner::Schedule(id), "hash-3", t0()).await.unwrap();
    assert_eq!(store.calendar_feed_owner("hash-1").await.unwrap(), None, "the old address stops working");
    assert_eq!(store.calendar_feed_owner("hash-3").await.unwrap(), Some(FeedOwner::Schedule(id)));
    assert_eq!(store.calendar_feed_owner("hash-2").await.unwrap(), Some(FeedOwner::User(ada)), "other feeds stay");
    assert!(store.has_calendar_feed(FeedOwner::User(ada)).await.unwrap());
}

async fn contact_methods_belong_to_their_person_and_are_capped(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    // Every account starts with its email, so it can be paged from the start.
    let first = store.contact_methods(ada, 10).await.unwrap();
    assert_eq!(
        first.iter().map(|m| (m.kind, m.label.as_str(), m.target.as_str())).collect::<Vec<_>>(),
        [(ContactKind::Email, "Account email", "Ada@example.com")]
    );
    let account = first[0].id;
    let email = store.add_contact_method(ada, ContactKind::Email, "Work", "ada@example.com", 3, t0()).await.unwrap();
    let phone = store.add_contact_method(ada, ContactKind::Webhook, "Phone", "https://sms.example/{message}", 3, t0()).await.unwrap();
    assert!(matches!(store.add_contact_method(ada, ContactKind::Email, "Home", "a@example.org", 3, t0()).await, Err(StoreError::Stale)), "three at most here");
    let mine = store.contact_methods(ada, 10).await.unwrap();
    assert_eq!(
        mine.iter().map(|m| (m.id, m.kind, m.label.as_str())).collect::<Vec<_>>(),
        [(account, ContactKind::Email, "Account email"), (email, ContactKind::Email, "Work"), (phone, ContactKind::Webhook, "Phone")]
    );
    assert!(matches!(store.remove_contact_method(bob, email).await, Err(StoreError::NotFound)), "not Bob's");
    store.remove_contact_method(ada, email).await.unwrap();
    assert_eq!(store.contact_methods(ada, 10).await.unwrap().len(), 2);
    assert_eq!(store.contact_method(phone).await.unwrap().unwrap().target, "https://sms.example/{message}");
    assert!(store.contact_method(email).await.unwrap().is_none());

    // Nobody is unreachable until Ada removes her last method.
    assert_eq!(store.unreachable_people(10).await.unwrap(), (vec![], 0));
    assert_eq!(store.without_contact_methods(&[ada, bob]).await.unwrap(), Vec::<i64>::new());
    store.remove_contact_method(ada, account).await.unwrap();
    store.remove_contact_method(ada, phone).await.unwrap();
    let (listed, total) = store.unreachable_people(10).await.unwrap();
    assert_eq!((listed.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), total), (vec!["Ada"], 1));
    assert_eq!(store.without_contact_methods(&[ada, bob]).await.unwrap(), vec![ada]);
    assert_eq!(store.without_contact_methods(&[]).await.unwrap(), Vec::<i64>::new());
}

async fn notification_rules_name_their_person_s_own_methods(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let account = store.contact_methods(ada, 10).await.unwrap()[0].id;
    let phone = store.add_contact_method(ada, ContactKind::Webhook, "Phone", "https://sms.example/{message}", 10, t0()).await.unwrap();
    let bobs = store.contact_methods(bob, 10).await.unwrap()[0].id;
    let later = store.add_notification_rule(ada, phone, 5, 3, t0()).await.unwrap();
    let now = store.add_notification_rule(ada, account, 0, 3, t0()).await.unwrap();
    assert!(matches!(store.add_notification_rule(ada, phone, 5, 3, t0()).await, Err(StoreError::Unique(_))), "the same rule twice");
    assert!(matches!(store.add_notification_rule(ada, bobs, 0, 3, t0()).await, Err(StoreError::NotFound)), "Bob's method");
    store.add_notification_rule(ada, phone, 15, 3, t0()).await.unwrap();
    assert!(matches!(store.add_notification_rule(ada, phone, 30, 3, t0()).await, Err(StoreError::Stale)), "three at most here");
    let rules = store.notification_rules(ada, 10).await.unwrap();
    assert_eq!(rules.iter().map(|r| (r.contact_method_id, r.delay_minutes)).collect::<Vec<_>>(), [(account, 0), (phone, 5), (phone, 15)]);
    assert_eq!(rules[0].id, now);
    // The escalation engine reads them with the methods, for many people at once.
    let people = store.reachable_people(&[ada, bob]).await.unwrap();
    assert_eq!(people[0].rules, rules);
    assert!(people[1].rules.is_empty());
    assert!(matches!(store.remove_notification_rule(bob, later).await, Err(StoreError::NotFound)), "not Bob's");
    store.remove_notification_rule(ada, later).await.unwrap();
    // A method's rules go with it.
    store.remove_contact_method(ada, phone).await.unwrap();
    assert_eq!(store.notification_rules(ada, 10).await.unwrap().iter().map(|r| r.id).collect::<Vec<_>>(), [now]);
}

fn webhook(n: usize) -> NewDelivery {
    NewDelivery {
        channel: Channel::Webhook,
        target: format!("http://hooks.example/{n}"),
        webhook_id: None,
        topic: "page".into(),
        subject: String::new(),
        body: "{}".into(),
        unsubscribe_url: String::new(),
        page_id: None,
        due_at: None,
    }
}

async fn outbox_size(store: &Store) -> usize {
    store.list_deliveries(None, app::store::PageRequest::first(1000)).await.unwrap().0.rows.len()
}

async fn policies_keep_their_levels_in_order_and_edits_need_the_current_revision(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let schedule = store.create_schedule(&fields("Primary", "UTC"), t0()).await.unwrap();
    let plan = Plan {
        levels: vec![
            Level { targets: vec![Target::Schedule(schedule), Target::User(bob)], delay_minutes: 5 },
            Level { targets: vec![Target::User(ada)], delay_minutes: 15 },
        ],
        repeats: 2,
    };
    let fields = PolicyFields { name: "Payments".into(), description: "Money".into(), plan: plan.clone() };
    let id = store.create_policy(&fields, t0()).await.unwrap();
    let policy = store.policy(id).await.unwrap().unwrap();
    assert_eq!((policy.plan.clone(), policy.revision), (plan.clone(), 1));
    assert!(matches!(store.create_policy(&fields, t0()).await, Err(StoreError::Unique(_))), "names are unique");
    let mut changed = fields.clone();
    changed.plan.levels.reverse();
    store.update_policy(id, &changed, 1, t0()).await.unwrap();
    assert!(matches!(store.update_policy(id, &fields, 1, t0()).await, Err(StoreError::Stale)));
    assert_eq!(store.policy(id).await.unwrap().unwrap().plan.levels[0].targets, vec![Target::User(ada)]);
    // The schedule a policy pages can't go; a policy a service pages through can't either.
    assert!(matches!(store.delete_schedule(schedule, 1, t0()).await, Err(StoreError::ForeignKey(_))), "a policy pages it");
    let checkout = service(&store, "Checkout").await;
    store.set_service_policy(checkout, Some(id), t0()).await.unwrap();
    assert_eq!(store.service_policies(&[checkout]).await.unwrap(), vec![(checkout, id)]);
    assert!(matches!(store.delete_policy(id, 2, t0()).await, Err(StoreError::ForeignKey(_))));
    store.set_service_policy(checkout, None, t0()).await.unwrap();
    assert!(matches!(store.delete_policy(id, 1, t0()).await, Err(StoreError::Stale)));
    store.delete_policy(id, 2, t0()).await.unwrap();
    assert_eq!(store.policy(id).await.unwrap(), None);
    assert_eq!(store.policies_page(app::store::PageRequest::first(10)).await.unwrap().total, 0);
}

async fn a_page_step_is_taken_once_and_acknowledgement_ends_the_escalation(store: Store) {
    let ada = person(&store, "Ada").await;
    let incident = declare(&store, "Checkout down", ada, 0, &[], t0()).await;
    let new = NewPage { incident_id: Some(incident), target_name: "Ada".into(), plan: Plan::direct(ada), message: "Look".into(), created_by: ada };
    let page = store.open_page(&new, Some(&event(EventKind::Paged, "Ada paged Ada", t0())), t0()).await.unwrap();
    assert!(store.due_pages(t0() - Duration::seconds(1), 10).await.unwrap().is_empty(), "due from when it opens");
    let due = store.due_pages(t0(), 10).await.unwrap();
    assert_eq!(due.iter().map(|p| (p.id, p.step)).collect::<Vec<_>>(), vec![(page, 0)]);
    let step = |n: i64, token: &str| TakenStep {
        page_id: page,
        step: n,
        next_step_at: Some(t0() + Duration::minutes(30)),
        recipients: vec![NewRecipient { user_id: ada, methods: 1, token_hash: token.into(), expires_at: t0() + Duration::hours(1) }],
        // The first now, the second (a notification rule's) in ten minutes.
        deliveries: vec![webhook(n as usize), NewDelivery { page_id: Some(page), due_at: Some(t0() + Duration::minutes(10)), ..webhook(100) }],
        event: Some((incident, event(EventKind::Paged, "Paged Ada.", t0()))),
    };
    assert_eq!(store.take_steps(&[step(0, "first")], t0()).await.unwrap(), vec![page]);
    // Another instance that read the page at the same step finds it taken and writes nothing.
    assert_eq!(store.take_steps(&[step(0, "second")], t0()).await.unwrap(), Vec::<i64>::new());
    assert_eq!(store.take_steps(&[step(5, "third")], t0()).await.unwrap(), Vec::<i64>::new());
    assert_eq!(outbox_size(&store).await, 2);
    let waiting = store.list_deliveries(None, app::store::PageRequest::first(10)).await.unwrap().0.rows;
    assert_eq!(waiting[0].next_attempt_at, t0() + Duration::minutes(10), "the rule's delivery waits");
    assert_eq!(store.claim_due_deliveries(t0() + Duration::minutes(1), Duration::minutes(1), 10).await.unwrap().len(), 1, "only the first is due");
    assert_eq!(store.page_recipients(&[page]).await.unwrap().len(), 1);
    assert!(store.due_pages(t0() + Duration::minutes(29), 10).await.unwrap().is_empty());
    assert_eq!(store.page(page).await.unwrap().unwrap().next_step_at, Some(t0() + Duration::minutes(30)));

    // The link: only its hash opens it, once, before it expires.
    assert!(store.page_link("second", t0()).await.unwrap().is_none(), "a link of a step not taken");
    assert_eq!(store.page_link("first", t0()).await.unwrap().map(|(p, u)| (p.id, u)), Some((page, ada)));
    assert!(store.page_link("first", t0() + Duration::hours(2)).await.unwrap().is_none(), "expired");
    assert!(store.use_page_link("first", t0()).await.unwrap());
    assert!(!store.use_page_link("first", t0()).await.unwrap(), "once");

    let ack = event(EventKind::PageAcknowledged, "Ada acknowledged.", t0() + Duration::minutes(3));
    let first = store.acknowledge_page(page, ada, &ack, t0() + Duration::minutes(3)).await.unwrap();
    assert!(matches!(first, Acknowledged::Now(ref p) if p.status == PageStatus::Acknowledged && p.acknowledged_by == Some(ada)));
    let second = store.acknowledge_page(page, ada, &ack, t0() + Duration::minutes(4)).await.unwrap();
    assert!(matches!(second, Acknowledged::Already(ref p) if p.acknowledged_at == Some(t0() + Duration::minutes(3))));
    // What the page's rules would still send is cancelled; the delivery already under way is not.
    let rows = store.list_deliveries(None, app::store::PageRequest::first(10)).await.unwrap().0.rows;
    assert_eq!(
        rows.iter().map(|d| (d.target.as_str(), d.status)).collect::<Vec<_>>(),
        [("http://hooks.example/100", DeliveryStatus::Cancelled), ("http://hooks.example/0", DeliveryStatus::Sending)]
    );
    assert_eq!(rows[0].last_error, "Not sent: the page was acknowledged first.");
    assert_eq!(store.incident(incident).await.unwrap().unwrap().key_times.acknowledged, Some(t0() + Duration::minutes(3)));
    assert!(store.due_pages(t0() + Duration::hours(1), 10).await.unwrap().is_empty(), "nothing left to do");
    assert_eq!(store.take_steps(&[step(1, "late")], t0()).await.unwrap(), Vec::<i64>::new());
    assert_eq!(store.pages_of_incident(incident, 10).await.unwrap().len(), 1);
}

async fn a_page_with_nothing_left_to_page_ends_unanswered(store: Store) {
    let ada = person(&store, "Ada").await;
    let new = NewPage { incident_id: None, target_name: "Ada".into(), plan: Plan::direct(ada), message: "Look".into(), created_by: ada };
    let page = store.open_page(&new, None, t0()).await.unwrap();
    // Step 0 pages, with a notification rule's delivery due in 45 minutes; step 1 ends the page.
    let later = NewDelivery { page_id: Some(page), due_at: Some(t0() + Duration::minutes(45)), ..webhook(1) };
    let first = TakenStep { page_id: page, step: 0, next_step_at: Some(t0()), recipients: vec![], deliveries: vec![later], event: None };
    assert_eq!(store.take_steps(&[first], t0()).await.unwrap(), vec![page]);
    let end = TakenStep { page_id: page, step: 1, next_step_at: None, recipients: vec![], deliveries: vec![], event: None };
    assert_eq!(store.take_steps(&[end], t0()).await.unwrap(), vec![page]);
    let rows = store.list_deliveries(None, app::store::PageRequest::first(10)).await.unwrap().0.rows;
    assert_eq!((rows[0].status, rows[0].last_error.as_str()), (DeliveryStatus::Cancelled, "Not sent: the page had ended unanswered."));
    let stored = store.page(page).await.unwrap().unwrap();
    assert_eq!((stored.status, stored.next_step_at, stored.ended_at), (PageStatus::Unanswered, None, Some(t0())));
    assert_eq!(store.pages_page(app::store::PageRequest::first(10)).await.unwrap().total, 1);
}

async fn a_hand_off_notice_is_queued_once(store: Store) {
    let ada = person(&store, "Ada").await;
    let schedule = store.create_schedule(&fields("Primary", "UTC"), t0()).await.unwrap();
    let notice = HandoffNotice { schedule_id: schedule, user_id: ada, shift_start: t0() + Duration::minutes(30), deliveries: vec![webhook(1), webhook(2)] };
    assert_eq!(store.queue_handoff_notices(std::slice::from_ref(&notice), t0()).await.unwrap(), 1);
    assert_eq!(store.queue_handoff_notices(std::slice::from_ref(&notice), t0() + Duration::minutes(1)).await.unwrap(), 0);
    assert_eq!(outbox_size(&store).await, 2);
    assert_eq!(store.schedules_with_handoff_notices(0, 10).await.unwrap().len(), 1);
    let people = store.reachable_people(&[ada]).await.unwrap();
    assert_eq!((people.len(), people[0].methods.len()), (1, 1), "the account email");
}

async fn declaring_opens_its_pages_and_follows_with_the_incident(store: Store) {
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    let commander = store.commander_role_type().await.unwrap();
    let page = |name: &str| {
        let new = NewPage { incident_id: None, target_name: name.into(), plan: Plan::direct(bob), message: "SEV1: Checkout down".into(), created_by: ada };
        (new, event(EventKind::Paged, &format!("Ada paged {name}"), t0()))
    };
    let new = NewIncident {
        title: "Checkout down".into(),
        summary: String::new(),
        severity_id: severity_ids(&store).await[0],
        incident_type_id: None,
        is_drill: false,
        service_ids: vec![],
        commander_id: bob,
        declared_by: ada,
        pages: vec![page("Checkout (Payments)"), page("Search (Search on-call)")],
        followers: vec![ada, bob],
    };
    let incident = store.declare_incident(&new, &event(EventKind::Declared, "declared", t0()), commander.id, t0()).await.unwrap();
    let mut pages = store.pages_of_incident(incident, 10).await.unwrap();
    pages.reverse();
    assert_eq!(
        pages.iter().map(|p| (p.target_name.as_str(), p.status, p.incident_id, p.next_step_at)).collect::<Vec<_>>(),
        [
            ("Checkout (Payments)", PageStatus::Escalating, Some(incident), Some(t0())),
            ("Search (Search on-call)", PageStatus::Escalating, Some(incident), Some(t0()))
        ]
    );
    assert_eq!(store.due_pages(t0(), 10).await.unwrap().len(), 2, "due at once");
    for person in [ada, bob] {
        assert!(store.incident_subscription_of(incident, person).await.unwrap().is_some(), "{person} follows");
    }
    assert!(store.has_escalating_page(incident).await.unwrap());

    // The first acknowledged page is the incident's acknowledgement, and says so.
    let ack = event(EventKind::PageAcknowledged, "Bob acknowledged.", t0() + Duration::minutes(3));
    store.acknowledge_page(pages[0].id, bob, &ack, t0() + Duration::minutes(3)).await.unwrap();
    let times = store.incident(incident).await.unwrap().unwrap().key_times;
    assert_eq!((times.acknowledged, times.acknowledged_source), (Some(t0() + Duration::minutes(3)), Some(AckSource::Page)));
    assert!(store.has_escalating_page(incident).await.unwrap(), "the other page still escalates");
    store.acknowledge_page(pages[1].id, bob, &ack, t0() + Duration::minutes(5)).await.unwrap();
    assert!(!store.has_escalating_page(incident).await.unwrap());
    let times = store.incident(incident).await.unwrap().unwrap().key_times;
    assert_eq!(times.acknowledged, Some(t0() + Duration::minutes(3)), "the first one counts");
}

async fn deleted_schedules_and_policies_can_be_restored_for_30_days(store: Store) {
    let schedule = store.create_schedule(&fields("Primary", "UTC"), t0()).await.unwrap();
    let plan = Plan { levels: vec![Level { targets: vec![Target::Schedule(schedule)], delay_minutes: 5 }], repeats: 0 };
    let policy = store.create_policy(&PolicyFields { name: "Payments".into(), description: String::new(), plan }, t0()).await.unwrap();
    let later = t0() + Duration::hours(1);
    // The policy goes first; then the schedule it paged can go too.
    assert!(matches!(store.delete_schedule(schedule, 1, later).await, Err(StoreError::ForeignKey(_))));
    store.delete_policy(policy, 1, later).await.unwrap();
    assert!(matches!(store.delete_policy(policy, 2, later).await, Err(StoreError::NotFound)), "out of sight");
    store.delete_schedule(schedule, 1, later).await.unwrap();
    assert_eq!(store.schedule(schedule).await.unwrap(), None);
    assert_eq!(store.schedules_page(app::store::PageRequest::first(10)).await.unwrap().total, 0);
    assert_eq!(store.schedules_by_ids(&[schedule]).await.unwrap(), vec![]);
    assert_eq!(store.policy(policy).await.unwrap(), None);
    assert_eq!(store.policy_names(10).await.unwrap(), vec![]);
    let month_ago = later - Duration::days(30);
    assert_eq!(store.deleted(SoftDeleted::Schedule, month_ago, 10).await.unwrap(), vec![(schedule, "Primary".to_string(), later)]);
    assert_eq!(store.deleted(SoftDeleted::Policy, month_ago, 10).await.unwrap(), vec![(policy, "Payments".to_string(), later)]);

    // Their names are free meanwhile; restoring one whose name was taken again is refused.
    let other = store.create_schedule(&fields("Primary", "UTC"), later).await.unwrap();
    assert!(matches!(store.restore(SoftDeleted::Schedule, schedule, month_ago, later).await, Err(StoreError::Unique(_))));
    store.delete_schedule(other, 1, later).await.unwrap();
    store.restore(SoftDeleted::Schedule, schedule, month_ago, later).await.unwrap();
    store.restore(SoftDeleted::Policy, policy, month_ago, later).await.unwrap();
    assert_eq!(store.schedule(schedule).await.unwrap().map(|s| s.name), Some("Primary".to_string()));
    assert_eq!(store.policy(policy).await.unwrap().map(|p| p.plan.levels.len()), Some(1));
    assert!(matches!(store.restore(SoftDeleted::Policy, policy, month_ago, later).await, Err(StoreError::NotFound)), "restored already");

    // After 30 days they are gone for good.
    store.delete_policy(policy, 3, later).await.unwrap();
    let too_late = later + Duration::days(31);
    assert!(matches!(store.restore(SoftDeleted::Policy, policy, too_late - Duration::days(30), too_late).await, Err(StoreError::NotFound)));
    assert_eq!(store.purge_deleted(too_late - Duration::days(30)).await.unwrap(), 2, "the policy and the other schedule");
    assert_eq!(store.deleted(SoftDeleted::Policy, month_ago, 10).await.unwrap(), vec![]);
    assert_eq!(store.schedule(schedule).await.unwrap().map(|s| s.id), Some(schedule), "a restored schedule stays");
}

store_contract_tests!(
    deleted_schedules_and_policies_can_be_restored_for_30_days,
    declaring_opens_its_pages_and_follows_with_the_incident,
    policies_keep_their_levels_in_order_and_edits_need_the_current_revision,
    a_page_step_is_taken_once_and_acknowledgement_ends_the_escalation,
    a_page_with_nothing_left_to_page_ends_unanswered,
    a_hand_off_notice_is_queued_once,
    contact_methods_belong_to_their_person_and_are_capped,
    notification_rules_name_their_person_s_own_methods,
    layers_keep_their_people_in_turn_order_and_edits_need_the_current_revision,
    plans_load_many_schedules_with_the_overrides_in_range,
    a_calendar_token_opens_one_feed_until_it_is_replaced,
);
