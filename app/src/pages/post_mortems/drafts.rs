//! Unsaved section text kept in this browser's `localStorage`, so that what someone typed and did
//! not save survives leaving the page, a reload or a crash, and is offered back next time.
//!
//! One key per person, post-mortem and section:
//! `quell:pm:<post-mortem id>:section:<section id>:by:<user id>`, holding the text as typed, so
//! that on a shared browser nobody is offered someone else's unsaved text. It is written as the person types (removed again when the text is back to
//! what is saved), and removed when the section is saved or the draft is discarded.
//!
//! Only the browser build touches storage. On the server, and without JavaScript, these functions
//! do nothing and find nothing; a browser that refuses storage (private windows, a full quota,
//! storage switched off) simply keeps no draft, and the page works as before.

/// The storage key of a section's draft.
pub(super) fn key(viewer: i64, post_mortem_id: i64, section_id: i64) -> String {
    format!("quell:pm:{post_mortem_id}:section:{section_id}:by:{viewer}")
}

/// The draft this browser keeps for a section, if any.
pub(super) fn load(viewer: i64, post_mortem_id: i64, section_id: i64) -> Option<String> {
    #[cfg(feature = "hydrate")]
    return browser::get_item(&key(viewer, post_mortem_id, section_id)).ok().flatten();
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key(viewer, post_mortem_id, section_id);
        None
    }
}

/// Keeps `text` as a section's draft (quietly nothing when the browser refuses).
pub(super) fn store(viewer: i64, post_mortem_id: i64, section_id: i64, text: &str) {
    #[cfg(feature = "hydrate")]
    let _ = browser::set_item(&key(viewer, post_mortem_id, section_id), text);
    #[cfg(not(feature = "hydrate"))]
    let _ = (key(viewer, post_mortem_id, section_id), text);
}

/// Forgets a section's draft (saved, discarded, or back to the saved text).
pub(super) fn forget(viewer: i64, post_mortem_id: i64, section_id: i64) {
    #[cfg(feature = "hydrate")]
    let _ = browser::remove_item(&key(viewer, post_mortem_id, section_id));
    #[cfg(not(feature = "hydrate"))]
    let _ = key(viewer, post_mortem_id, section_id);
}

/// `window.localStorage` through `web-sys`. Every call catches what the browser throws (reading
/// `localStorage` itself throws where storage is refused), so a refusal is an `Err`, never a panic.
#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::JsValue;

    fn storage() -> Result<web_sys::Storage, JsValue> {
        web_sys::window().ok_or(JsValue::NULL)?.local_storage()?.ok_or(JsValue::NULL)
    }

    pub(super) fn get_item(key: &str) -> Result<Option<String>, JsValue> {
        storage()?.get_item(key)
    }

    pub(super) fn set_item(key: &str, value: &str) -> Result<(), JsValue> {
        storage()?.set_item(key, value)
    }

    pub(super) fn remove_item(key: &str) -> Result<(), JsValue> {
        storage()?.remove_item(key)
    }
}
