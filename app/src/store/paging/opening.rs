//! A page to open, and the insert that opens pages with a new incident (declaring writes them in
//! its own transaction). Apart from the rest of paging so that incidents can use it without
//! paging's other parts, which use incidents' events.

use crate::domain::paging::Plan;
use crate::store::query::Arg;
use crate::store::StoreError;
use chrono::{DateTime, Utc};

/// A page to open.
#[derive(Debug, Clone)]
pub struct NewPage {
    pub incident_id: Option<i64>,
    pub target_name: String,
    pub plan: Plan,
    pub message: String,
    pub created_by: i64,
}

/// `insert into pages …` for `pages` opened with incident `incident_id` at `now` (their first
/// steps due at once), with its arguments.
pub(crate) fn insert_pages(incident_id: i64, pages: &[&NewPage], now: DateTime<Utc>) -> Result<(String, Vec<Arg>), StoreError> {
    let mut args = Vec::with_capacity(pages.len() * 6);
    for page in pages {
        let plan = serde_json::to_string(&page.plan).map_err(|err| StoreError::Config(err.to_string()))?;
        args.extend([Arg::Int(incident_id), Arg::Text(page.target_name.clone()), Arg::Text(plan), Arg::Text(page.message.clone())]);
        args.extend([Arg::Time(now), Arg::Int(page.created_by)]);
    }
    let rows: Vec<String> = (0..pages.len())
        .map(|n| {
            let p = |c: usize| format!("${}", n * 6 + c);
            format!("({}, {}, {}, {}, 'escalating', 0, {}, {}, {})", p(1), p(2), p(3), p(4), p(5), p(6), p(5))
        })
        .collect();
    let sql = format!(
        "insert into pages (incident_id, target_name, plan, message, status, step, next_step_at, created_by, created_at) values {}",
        rows.join(", ")
    );
    Ok((sql, args))
}
