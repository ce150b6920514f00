//! Queries built at run time: their arguments, bound in order to whichever backend's query
//! (`bind_args!`, used inside `on_pool!`), and their `where` conditions.

use chrono::{DateTime, Utc};

/// A value bound to a query built at run time.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    /// A null where an integer could be.
    NullInt,
    Text(String),
    Time(DateTime<Utc>),
    /// A calendar date (`date` on Postgres, `YYYY-MM-DD` text on SQLite).
    Date(chrono::NaiveDate),
    Bool(bool),
}

/// Binds `args` in order to a query (inside `on_pool!`, where the query type is concrete).
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        use $crate::store::query::Arg;
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::Int(value) => query.bind(*value),
                Arg::NullInt => query.bind(None::<i64>),
                Arg::Text(value) => query.bind(value.clone()),
                Arg::Time(value) => query.bind(*value),
                Arg::Date(value) => query.bind(*value),
                Arg::Bool(value) => query.bind(*value),
            };
        }
        query
    }};
}
pub(crate) use bind_args;

/// Collects the conditions and arguments of a query built at run time.
pub(crate) struct Conditions {
    clauses: Vec<String>,
    pub(crate) args: Vec<Arg>,
}

impl Conditions {
    pub(crate) fn new() -> Conditions {
        Conditions { clauses: Vec::new(), args: Vec::new() }
    }

    /// Adds `arg` and returns its placeholder.
    pub(crate) fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    pub(crate) fn push(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() { "1 = 1".to_string() } else { self.clauses.join(" and ") }
    }
}

/// `$1, $2, …` for `ids` and the ids as arguments, for `… in (…)`.
pub(crate) fn ids_in(ids: &[i64]) -> (String, Vec<Arg>) {
    let list = (1..=ids.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
    (list, ids.iter().copied().map(Arg::Int).collect())
}

/// `($1, $2, …), ($n+1, …), …`: the placeholders of `rows` rows of `columns` values each, for a
/// multi-row `insert … values`.
pub(crate) fn value_rows(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|row| format!("({})", (1..=columns).map(|c| format!("${}", row * columns + c)).collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `insert into {table} ({owner_column}, {id_column}) values ($1, $2), ($1, $3), …` linking one
/// row to each of `ids`, with its arguments.
pub(crate) fn insert_links(table: &str, owner_column: &str, id_column: &str, owner: i64, ids: &[i64]) -> (String, Vec<Arg>) {
    let values: Vec<String> = (0..ids.len()).map(|n| format!("($1, ${})", n + 2)).collect();
    let sql = format!("insert into {table} ({owner_column}, {id_column}) values {}", values.join(", "));
    let args = std::iter::once(owner).chain(ids.iter().copied()).map(Arg::Int).collect();
    (sql, args)
}
