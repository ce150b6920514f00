//! The document's `<title>`. `leptos_meta`'s `Title` writes its text into the server-rendered
//! head as it is, so a title holding `</title><meta …>` would put markup into every viewer's
//! page. Every page sets its title through `PageTitle`, which escapes the text on the server (the
//! browser sets `document.title`, which is text already); a test checks no page uses `Title`.

use leptos::prelude::*;
use leptos_meta::Title;

/// Sets the page's title to `text` (user-written text is safe here).
#[component]
pub fn PageTitle(#[prop(into)] text: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let text = crate::domain::text::escape_html(&text);
    view! { <Title text=text /> }
}
