//! Lists of post-mortems with their text search, and how far action items have come.

use super::*;

/// The conditions of a post-mortem list. Text search differs per backend, as for incidents.
fn post_mortem_conditions(filter: &PostMortemFilter, postgres: bool) -> Conditions {
    let mut c = Conditions::new();
    if let Some(status) = filter.status {
        let p = c.arg(Arg::Text(status.as_str().to_string()));
        c.push(format!("p.status = {p}"));
    }
    if let Some(id) = filter.owner_id {
        let p = c.arg(Arg::Int(id));
        c.push(format!("p.owner_id = {p}"));
    }
    if let Some(id) = filter.severity_id {
        let p = c.arg(Arg::Int(id));
        c.push(format!("i.severity_id = {p}"));
    }
    if let Some(id) = filter.service_id {
        let p = c.arg(Arg::Int(id));
        c.push(format!("p.incident_id in (select x.incident_id from incident_services x where x.service_id = {p})"));
    }
    if let Some(from) = filter.created_from {
        let p = c.arg(Arg::Time(from));
        c.push(format!("p.created_at >= {p}"));
    }
    if let Some(before) = filter.created_before {
        let p = c.arg(Arg::Time(before));
        c.push(format!("p.created_at < {p}"));
    }
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let words = crate::store::incidents::search_words(text);
        if words.is_empty() {
            c.push("1 = 0".to_string());
        } else if postgres {
            let query: Vec<String> = words.iter().map(|word| format!("{word}:*")).collect();
            let p = c.arg(Arg::Text(query.join(" & ")));
            c.push(format!("to_tsvector('simple', p.search_text) @@ to_tsquery('simple', {p})"));
        } else {
            let query: Vec<String> = words.iter().map(|word| format!("\"{word}\"*")).collect();
            let p = c.arg(Arg::Text(query.join(" ")));
            c.push(format!("p.id in (select rowid from post_mortems_search where post_mortems_search match {p})"));
        }
    }
    c
}

impl Store {
    /// A page of post-mortems matching `filter`, newest first, with each one's action items'
    /// completion (three queries whatever the page's length).
    pub async fn list_post_mortems(&self, filter: &PostMortemFilter, page: PageRequest) -> Result<Page<PostMortemRow>, StoreError> {
        let c = post_mortem_conditions(filter, self.is_postgres());
        let count_sql = format!("select count(*) from post_mortems p join incidents i on i.id = p.incident_id where {}", c.sql());
        let total: i64 = on_pool!(self, |pool| bind_args!(sqlx::query_scalar(&count_sql), &c.args).fetch_one(pool).await)?;
        let mut c = c;
        let (pl, po) = (c.arg(Arg::Int(page.limit)), c.arg(Arg::Int(page.offset)));
        let sql = format!("{POST_MORTEM_SELECT} where {} order by p.id desc limit {pl} offset {po}", c.sql());
        let rows: Vec<SqlPostMortem> = on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &c.args).fetch_all(pool).await)?;
        let post_mortems: Vec<PostMortem> = rows.into_iter().map(SqlPostMortem::into_post_mortem).collect();
        let ids: Vec<i64> = post_mortems.iter().map(|p| p.id).collect();
        let completions = self.completions("post_mortem_id", &ids).await?;
        Ok(Page {
            rows: post_mortems
                .into_iter()
                .map(|post_mortem| {
                    let completion = completions.iter().find(|(id, _)| *id == post_mortem.id).map(|(_, c)| *c).unwrap_or_default();
                    PostMortemRow { post_mortem, completion }
                })
                .collect(),
            total,
        })
    }

    /// How far each incident's action items have come, in one query (incidents without any are
    /// left out).
    pub async fn incident_completions(&self, incident_ids: &[i64]) -> Result<Vec<(i64, Completion)>, StoreError> {
        self.completions("incident_id", incident_ids).await
    }

    /// How far the action items of each of `ids` (post-mortems or incidents, by `column`) have
    /// come, in one query.
    async fn completions(&self, column: &'static str, ids: &[i64]) -> Result<Vec<(i64, Completion)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = ids_in(ids);
        let sql = format!(
            "select {column}, count(*), sum(case when status in ('done', 'wont_do') then 1 else 0 end) from action_items \
             where {column} in ({list}) group by {column}"
        );
        let rows: Vec<(i64, i64, i64)> = on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(|(id, total, finished)| (id, Completion { finished, total })).collect())
    }
}
