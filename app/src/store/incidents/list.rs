//! Lists of incidents: filters, sort orders, keyset cursors, counts, and the summaries a list shows.

use super::*;

/// Which incidents a list shows. Empty fields don't filter.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    pub statuses: Vec<Status>,
    pub severity_id: Option<i64>,
    pub service_id: Option<i64>,
    pub incident_type_id: Option<i64>,
    /// Incidents where this person holds a role.
    pub role_holder: Option<i64>,
    pub drill: Option<bool>,
    pub declared_from: Option<DateTime<Utc>>,
    pub declared_before: Option<DateTime<Utc>>,
    /// Words to find in the title or summary (or a reference such as INC-42).
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncidentSort {
    #[default]
    Newest,
    Oldest,
    /// Worst severity first, newest first within a severity.
    Severity,
}

impl IncidentSort {
    pub fn parse(value: &str) -> IncidentSort {
        match value {
            "oldest" => IncidentSort::Oldest,
            "severity" => IncidentSort::Severity,
            _ => IncidentSort::Newest,
        }
    }
}

/// One page of incidents, the cursor of the next page, and counts over the whole filter.
#[derive(Debug, Clone)]
pub struct IncidentPage {
    pub rows: Vec<IncidentSummary>,
    /// Pass back to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// Incidents matching the filter (more than `COUNT_LIMIT`: "more than that").
    pub total: i64,
    /// Incidents matching the filter apart from its statuses, per status.
    pub status_counts: Vec<(Status, i64)>,
    /// The counts stopped at `COUNT_LIMIT` matches: `total` is "more than" that, and the counts
    /// per status are of those first matches only.
    pub capped: bool,
}

use crate::domain::incident::COUNT_LIMIT;

impl IncidentFilter {
    /// Incidents that are open (any status before resolved), drills too.
    pub fn open() -> IncidentFilter {
        IncidentFilter { statuses: Status::OPEN.to_vec(), ..IncidentFilter::default() }
    }

    /// The total of `counts` (per status) over the statuses this filter chooses.
    fn total_of(&self, counts: &[(Status, i64)]) -> i64 {
        counts.iter().filter(|(status, _)| self.statuses.is_empty() || self.statuses.contains(status)).map(|(_, n)| n).sum()
    }

    /// Whether the kept counts (`incident_counts`) can answer for this filter: it filters by
    /// nothing but statuses and the drill flag.
    fn counted_in_advance(&self) -> bool {
        self.severity_id.is_none()
            && self.service_id.is_none()
            && self.incident_type_id.is_none()
            && self.role_holder.is_none()
            && self.declared_from.is_none()
            && self.declared_before.is_none()
            && self.text.as_deref().is_none_or(|t| t.trim().is_empty())
    }
}

/// The conditions of `filter`. Text search is the one place the dialects differ: SQLite's FTS5
/// table `incidents_search`, Postgres's `to_tsvector` (with its GIN index).
fn filter_conditions(filter: &IncidentFilter, with_statuses: bool, postgres: bool) -> Conditions {
    let mut c = Conditions::new();
    if with_statuses && !filter.statuses.is_empty() {
        let list: Vec<String> = filter.statuses.iter().map(|s| c.arg(Arg::Text(s.as_str().to_string()))).collect();
        c.push(format!("i.status in ({})", list.join(", ")));
    }
    if let Some(id) = filter.severity_id {
        let p = c.arg(Arg::Int(id));
        c.push(format!("i.severity_id = {p}"));
    }
    if let Some(id) = filter.service_id {
        let p = c.arg(Arg::Int(id));
        // "id in (…)" lets the database start from the service's index entries instead of
        // checking every incident.
        c.push(format!("i.id in (select x.incident_id from incident_services x where x.service_id = {p})"));
    }
    if let Some(id) = filter.incident_type_id {
        let p = c.arg(Arg::Int(id));
        c.push(format!("i.incident_type_id = {p}"));
    }
    if let Some(id) = filter.role_holder {
        let p = c.arg(Arg::Int(id));
        c.push(format!("i.id in (select r.incident_id from role_assignments r where r.user_id = {p})"));
    }
    if let Some(drill) = filter.drill {
        let p = c.arg(Arg::Bool(drill));
        c.push(format!("i.is_drill = {p}"));
    }
    if let Some(from) = filter.declared_from {
        let p = c.arg(Arg::Time(from));
        c.push(format!("i.declared_at >= {p}"));
    }
    if let Some(before) = filter.declared_before {
        let p = c.arg(Arg::Time(before));
        c.push(format!("i.declared_at < {p}"));
    }
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        // Every word must appear, as a word or the start of one.
        let words = search_words(text);
        let mut clause = if words.is_empty() {
            "(1 = 0".to_string()
        } else if postgres {
            let query: Vec<String> = words.iter().map(|word| format!("{word}:*")).collect();
            let p = c.arg(Arg::Text(query.join(" & ")));
            format!("(to_tsvector('simple', i.title || ' ' || i.summary) @@ to_tsquery('simple', {p})")
        } else {
            let query: Vec<String> = words.iter().map(|word| format!("\"{word}\"*")).collect();
            let p = c.arg(Arg::Text(query.join(" ")));
            format!("(i.id in (select rowid from incidents_search where incidents_search match {p})")
        };
        if let Some(id) = crate::domain::incident::parse_reference(text) {
            let q = c.arg(Arg::Int(id));
            clause.push_str(&format!(" or i.id = {q}"));
        }
        clause.push(')');
        c.push(clause);
    }
    c
}

/// A keyset cursor: the sort keys of the last row shown.
fn encode_cursor(sort: IncidentSort, incident: &Incident) -> String {
    match sort {
        IncidentSort::Severity => format!("{}.{}", incident.severity_rank, incident.id),
        _ => incident.id.to_string(),
    }
}

fn decode_cursor(cursor: &str) -> Option<(i64, i64)> {
    match cursor.split_once('.') {
        Some((rank, id)) => Some((rank.parse().ok()?, id.parse().ok()?)),
        None => Some((0, cursor.parse().ok()?)),
    }
}

impl Store {
    /// How many incidents of each status match `filter` apart from its statuses, and whether the
    /// count stopped at `COUNT_LIMIT`. Exact and read from the kept counts when the filter allows
    /// it (one query over a handful of rows); otherwise counted over the first matches.
    pub async fn incident_status_counts(&self, filter: &IncidentFilter) -> Result<(Vec<(Status, i64)>, bool), StoreError> {
        let (rows, capped): (Vec<(String, i64)>, bool) = if filter.counted_in_advance() {
            let mut c = Conditions::new();
            if let Some(drill) = filter.drill {
                let p = c.arg(Arg::Bool(drill));
                c.push(format!("is_drill = {p}"));
            }
            let sql = format!("select status, cast(sum(n) as bigint) from incident_counts where {} group by status", c.sql());
            (on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &c.args).fetch_all(pool).await)?, false)
        } else {
            let mut c = filter_conditions(filter, false, self.is_postgres());
            let pl = c.arg(Arg::Int(COUNT_LIMIT + 1));
            let sql = format!(
                "select status, count(*) from (select i.status from incidents i where {} limit {pl}) matched group by status",
                c.sql()
            );
            let rows: Vec<(String, i64)> = on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &c.args).fetch_all(pool).await)?;
            let matched: i64 = rows.iter().map(|(_, n)| n).sum();
            (rows, matched > COUNT_LIMIT)
        };
        let counts = Status::ALL
            .into_iter()
            .map(|status| (status, rows.iter().filter(|(s, _)| s == status.as_str()).map(|(_, n)| *n).sum()))
            .collect();
        Ok((counts, capped))
    }

    /// How many incidents match `filter`: exact when the kept counts answer, otherwise counted up
    /// to `COUNT_LIMIT + 1` (more than `COUNT_LIMIT` means "more than that").
    pub async fn count_incidents(&self, filter: &IncidentFilter) -> Result<i64, StoreError> {
        if filter.counted_in_advance() {
            let (counts, _) = self.incident_status_counts(filter).await?;
            return Ok(filter.total_of(&counts));
        }
        let mut c = filter_conditions(filter, true, self.is_postgres());
        let pl = c.arg(Arg::Int(COUNT_LIMIT + 1));
        let sql = format!("select count(*) from (select 1 from incidents i where {} limit {pl}) matched", c.sql());
        Ok(on_pool!(self, |pool| bind_args!(sqlx::query_scalar(&sql), &c.args).fetch_one(pool).await)?)
    }

    /// A page of incidents matching `filter` in `sort` order, after `cursor` when given. With
    /// `with_counts`, also counts the filter per status and in all (see `incident_status_counts`
    /// and `count_incidents`); without, the counts are zero and `total` is the number of rows
    /// returned.
    pub async fn list_incidents(
        &self,
        filter: &IncidentFilter,
        sort: IncidentSort,
        cursor: Option<&str>,
        limit: i64,
        with_counts: bool,
    ) -> Result<IncidentPage, StoreError> {
        let mut c = filter_conditions(filter, true, self.is_postgres());
        if let Some((rank, id)) = cursor.and_then(decode_cursor) {
            let pi = c.arg(Arg::Int(id));
            match sort {
                IncidentSort::Newest => c.push(format!("i.id < {pi}")),
                IncidentSort::Oldest => c.push(format!("i.id > {pi}")),
                IncidentSort::Severity => {
                    let pr = c.arg(Arg::Int(rank));
                    c.push(format!("(s.rank > {pr} or (s.rank = {pr} and i.id < {pi}))"));
                }
            }
        }
        let order = match sort {
            IncidentSort::Newest => "i.id desc",
            IncidentSort::Oldest => "i.id asc",
            IncidentSort::Severity => "s.rank asc, i.id desc",
        };
        let pl = c.arg(Arg::Int(limit + 1));
        let sql = format!("{INCIDENT_SELECT} where {} order by {order} limit {pl}", c.sql());
        let rows: Vec<SqlIncident> = on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &c.args).fetch_all(pool).await)?;
        let mut incidents: Vec<Incident> = rows.into_iter().map(SqlIncident::into_incident).collect();
        let next_cursor = if incidents.len() as i64 > limit {
            incidents.truncate(limit as usize);
            incidents.last().map(|last| encode_cursor(sort, last))
        } else {
            None
        };
        let (status_counts, capped, total) = if with_counts {
            let (counts, capped) = self.incident_status_counts(filter).await?;
            // The kept counts already say the total; otherwise it is counted with the statuses.
            let total = if filter.counted_in_advance() { filter.total_of(&counts) } else { self.count_incidents(filter).await? };
            (counts, capped, total)
        } else {
            (Status::ALL.into_iter().map(|status| (status, 0)).collect(), false, incidents.len() as i64)
        };
        let rows = self.summaries(incidents).await?;
        Ok(IncidentPage { rows, next_cursor, total, status_counts, capped })
    }

    /// Adds service names and the commander to a page of incidents (two queries for the page).
    async fn summaries(&self, incidents: Vec<Incident>) -> Result<Vec<IncidentSummary>, StoreError> {
        if incidents.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = incidents.iter().map(|i| i.id).collect();
        let (list, args) = ids_in(&ids);
        let services_sql = format!(
            "select x.incident_id, s.name from incident_services x join services s on s.id = x.service_id \
             where x.incident_id in ({list}) order by lower(s.name)"
        );
        let commanders_sql = format!(
            "select r.incident_id, u.display_name from role_assignments r join role_types rt on rt.id = r.role_type_id \
             join users u on u.id = r.user_id where rt.is_commander and r.incident_id in ({list})"
        );
        let (services, commanders): (Vec<(i64, String)>, Vec<(i64, String)>) = on_pool!(self, |pool| {
            let services = bind_args!(sqlx::query_as(&services_sql), &args).fetch_all(pool).await?;
            let commanders = bind_args!(sqlx::query_as(&commanders_sql), &args).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((services, commanders))
        })?;
        Ok(incidents
            .into_iter()
            .map(|incident| IncidentSummary {
                services: services.iter().filter(|(id, _)| *id == incident.id).map(|(_, name)| name.clone()).collect(),
                commander: commanders.iter().find(|(id, _)| *id == incident.id).map(|(_, name)| name.clone()),
                incident,
            })
            .collect())
    }
}
