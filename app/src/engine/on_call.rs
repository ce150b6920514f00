//! Who is on call, with names: a schedule's final schedule worked out from its plan (and each
//! layer's own shifts, for the schedule's picture), and the names of the people shifts mention.
//! Shared by the escalation engine, hand-off notices, calendar feeds and the schedule pages.

use crate::domain::catalog::Person;
use crate::domain::schedule::{self as rules, Layer, Override, Schedule, Shift};
use crate::store::schedules::SchedulePlan;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};

/// A schedule's time zone (its name is checked when saved).
pub fn schedule_zone(schedule: &Schedule) -> chrono_tz::Tz {
    super::zone::named(&schedule.time_zone)
}

/// The final schedule of a plan from `from` to `to`. Should working it out fail, the schedule
/// is logged, counted and read as having nobody on call, so one bad schedule never stops the
/// worker (or the page) that asked about it and others.
pub fn final_shifts(plan: &SchedulePlan, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Shift> {
    let layers: Vec<Layer> = plan.layers.iter().map(|l| l.layer.clone()).collect();
    let overrides: Vec<Override> = plan.overrides.iter().map(|o| o.rule).collect();
    super::guard::isolated("schedule", plan.schedule.id, || {
        rules::final_schedule(&schedule_zone(&plan.schedule), &layers, &overrides, from, to)
    })
    .unwrap_or_default()
}

/// Each layer's own shifts from `from` to `to` (its rotation within its restrictions, before
/// higher layers and overrides), one list per layer in the plan's order (lowest first). Worked
/// out from the plan already loaded, so it costs no query; a layer whose arithmetic fails is
/// logged, counted and shown with nobody, like a schedule in `final_shifts`.
pub fn layer_shifts(plan: &SchedulePlan, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Vec<Shift>> {
    let tz = schedule_zone(&plan.schedule);
    plan.layers
        .iter()
        .map(|layer| super::guard::isolated("schedule layer", layer.id, || layer.layer.shifts(&tz, from, to)).unwrap_or_default())
        .collect()
}

/// Names for every person the given ids mention (one query), deactivated people included.
pub async fn names_for(store: &Store, ids: impl IntoIterator<Item = i64>) -> Result<Vec<Person>, StoreError> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    store.people_by_ids(&ids, false).await
}

/// The name of person `id` among `people`, or "Person <id>" when they are not there.
pub fn name_of(people: &[Person], id: i64) -> String {
    people.iter().find(|p| p.id == id).map(|p| p.name.clone()).unwrap_or_else(|| format!("Person {id}"))
}

/// The people with these ids, named from `people`, in the order of `ids`.
pub fn persons(people: &[Person], ids: &[i64]) -> Vec<Person> {
    ids.iter().map(|id| Person { id: *id, name: name_of(people, *id) }).collect()
}
