//! `make bench`, on-call part: how long the final schedule of 4 layers × 20 people over 90 days
//! takes to compute, and how long the escalation engine takes to page 1,000 open pages whose
//! steps all fall due at once (on SQLite, and on Postgres when it is reachable). Prints figures.
//!
//! Run with `cargo run --release -p server --example on-call-bench`.

use app::domain::contact::ContactKind;
use app::domain::paging::{Level, Plan, Target};
use app::domain::permissions::OrgRole;
use app::domain::schedule::{final_schedule, Layer, Override, OverrideKind, Restriction, ShiftLength};
use app::state::{AppState, ManualClock, Settings};
use app::store::paging::{NewPage, PolicyFields};
use app::store::schedules::{LayerFields, ScheduleFields};
use app::store::testing::TestDatabase;
use app::store::{NewUser, Store};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use std::sync::Arc;
use std::time::Instant;

const PEOPLE: i64 = 20;
const PAGES: usize = 1000;

fn percentiles(mut ms: Vec<f64>) -> String {
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    format!("p50 {:7.3} ms   p95 {:7.3} ms   max {:7.3} ms   (n={})", at(0.5), at(0.95), ms[ms.len() - 1], ms.len())
}

/// Four layers of 20 people: 12-hour, daily, weekly, and business hours only.
fn layers(people: &[i64]) -> Vec<Layer> {
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    let rotate = |n: usize| people.iter().cycle().skip(n * 5).take(people.len()).copied().collect::<Vec<_>>();
    vec![
        Layer { participants: rotate(0), shift: ShiftLength::Hours(12), handoff: nine, start_date: start, restrictions: vec![] },
        Layer { participants: rotate(1), shift: ShiftLength::Days(1), handoff: nine, start_date: start, restrictions: vec![] },
        Layer { participants: rotate(2), shift: ShiftLength::Weeks(1), handoff: nine, start_date: start, restrictions: vec![] },
        Layer { participants: rotate(3), shift: ShiftLength::Days(1), handoff: nine, start_date: start, restrictions: vec![Restriction::business_hours()] },
    ]
}

fn bench_final_schedule() {
    let tz: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let people: Vec<i64> = (1..=PEOPLE).collect();
    let layers = layers(&people);
    let from = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let to = from + Duration::days(90);
    let overrides: Vec<Override> = (0..10)
        .map(|n| Override {
            user_id: 1 + n,
            start: from + Duration::days(n * 7) + Duration::hours(3),
            end: from + Duration::days(n * 7) + Duration::hours(15),
            kind: OverrideKind::Cover { covering_for: None },
        })
        .collect();
    let mut shifts = 0;
    let times: Vec<f64> = (0..200)
        .map(|_| {
            let started = Instant::now();
            shifts = std::hint::black_box(final_schedule(&tz, &layers, &overrides, from, to)).len();
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    println!("  final schedule, 4 layers × {PEOPLE} people × 90 days ({shifts} shifts, Europe/Berlin, 10 overrides)");
    println!("  {:<34} {}", "", percentiles(times));
}

async fn seed(store: &Store, now: DateTime<Utc>) -> Vec<i64> {
    let mut people = Vec::new();
    for n in 0..PEOPLE {
        let new = NewUser {
            email: format!("oncall{n}@example.com"),
            display_name: format!("On-call {n}"),
            time_zone: "Europe/Berlin".into(),
            role: OrgRole::Responder,
            password_hash: "x".into(),
        };
        let id = store.create_user(&new, now).await.unwrap().id;
        for (kind, target) in [(ContactKind::Email, format!("oncall{n}@example.com")), (ContactKind::Webhook, "http://127.0.0.1:9/sms?text={message}".to_string())] {
            store.add_contact_method(id, kind, "Contact", &target, 10, now).await.unwrap();
        }
        people.push(id);
    }
    let fields = ScheduleFields { name: "Primary".into(), description: String::new(), time_zone: "Europe/Berlin".into(), handoff_notice_minutes: 60 };
    let schedule = store.create_schedule(&fields, now).await.unwrap();
    for (n, layer) in layers(&people).into_iter().enumerate() {
        store.add_layer(schedule, &LayerFields { name: format!("Layer {n}"), layer }, n as i64 + 1, now).await.unwrap();
    }
    let plan = Plan {
        levels: vec![
            Level { targets: vec![Target::Schedule(schedule)], delay_minutes: 5 },
            Level { targets: vec![Target::User(people[0]), Target::User(people[1])], delay_minutes: 10 },
        ],
        repeats: 0,
    };
    store.create_policy(&PolicyFields { name: "Bench".into(), description: String::new(), plan: plan.clone() }, now).await.unwrap();
    for n in 0..PAGES {
        let page = NewPage { incident_id: None, target_name: "Bench".into(), plan: plan.clone(), message: format!("Page {n}"), created_by: people[0] };
        store.open_page(&page, None, now).await.unwrap();
    }
    people
}

async fn bench_engine(name: &str, db: TestDatabase) {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    seed(&db.store, now).await;
    let clock = Arc::new(ManualClock::new(now));
    let options = leptos::config::LeptosOptions::builder().output_name("quell").build();
    let state = AppState::new(options, db.store.clone(), clock.clone(), Settings::default());
    for (label, advance) in [("level 1 (a schedule)", Duration::zero()), ("level 2 (two people)", Duration::minutes(5))] {
        clock.advance(advance);
        let started = Instant::now();
        let steps = app::engine::escalation::take_due_steps(&state, "https://quell.example.com").await.unwrap();
        let took = started.elapsed().as_secs_f64() * 1000.0;
        let (app::store::Page { rows: deliveries, .. }, _) = db.store.list_deliveries(None, app::store::PageRequest::first(1)).await.unwrap();
        println!(
            "  {name:<8} {PAGES} pages due at once, {label}: {} steps taken in {took:7.1} ms (deliveries so far up to id {})",
            steps,
            deliveries.first().map(|d| d.id).unwrap_or(0)
        );
    }
    db.cleanup().await;
}

#[tokio::main]
async fn main() {
    println!("On-call");
    bench_final_schedule();
    bench_engine("SQLite", app::store::testing::fresh_sqlite().await.expect("a SQLite database")).await;
    match app::store::testing::fresh_postgres().await {
        Some(db) => bench_engine("Postgres", db).await,
        None => println!("  Postgres: not reachable, skipped"),
    }
    println!("  (the on-call worker looks every second, so a step goes out at most 1 s + the time above after it is due)");
}
