//! The browser entry point: hydrates the page the server rendered. Nothing else belongs here.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are lazy routes (`app::routes`): the page's own part of the wasm is fetched first,
    // then the page hydrates.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) else { return };
        let owner = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        owner.forget();
        // From here on the page is interactive. Say so on <body>, for end-to-end tests and for
        // styles that differ before and after.
        let _ = body.set_attribute("data-hydrated", "");
    });
}
