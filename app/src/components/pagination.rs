//! Previous / next links for a paginated list, keeping the list's filters.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Previous / next links for page `page` of `pages` at `base`. The query parameters named in
/// `keep` (the list's filters) are carried over to the other pages.
#[component]
pub fn Pagination(page: i64, pages: i64, base: &'static str, #[prop(optional)] keep: &'static [&'static str]) -> impl IntoView {
    let query = use_query_map();
    let link = move |to: i64| {
        let mut params: Vec<String> = query.with_untracked(|query| {
            keep.iter()
                .filter_map(|name| {
                    let value = query.get(name).unwrap_or_default();
                    (!value.is_empty()).then(|| format!("{name}={}", crate::domain::text::urlencode(&value)))
                })
                .collect()
        });
        params.push(format!("page={to}"));
        format!("{base}?{}", params.join("&"))
    };
    (pages > 1).then(|| {
        view! {
            <nav class="pagination" aria-label="Pagination">
                {(page > 1).then(|| view! { <a href=link(page - 1) rel="prev">"Previous"</a> })}
                <span>{format!("Page {page} of {pages}")}</span>
                {(page < pages).then(|| view! { <a href=link(page + 1) rel="next">"Next"</a> })}
            </nav>
        }
    })
}
