//! Live updates: every change to an incident is published here (server), and every open page
//! listening through the server-sent events endpoint (`/api/live`) hears about it (browser,
//! `use_live_changes`).
//!
//! The events are `incident` (data: the incident id) and `resync` (anything may have changed:
//! reload what is shown). A page that reconnects after a network drop reloads what it shows,
//! so it catches up, and since it reloads rather than appends, nothing appears twice.
//!
//! On SQLite (one instance) a change goes straight to this instance's listeners. On Postgres it
//! is announced through the database and every instance, this one included, passes it on when
//! it hears it, so a change made on one instance reaches viewers on all of them exactly once.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
mod hub;
#[cfg(feature = "ssr")]
pub use hub::*;

/// What a change means for a page that shows `incident` (or every incident, when `None`).
pub fn concerns(incident: Option<i64>, changed: Option<i64>) -> bool {
    match (incident, changed) {
        (Some(shown), Some(changed)) => shown == changed,
        _ => true,
    }
}

/// A counter that goes up whenever something the page shows may have changed: an incident
/// (`Some(id)`) or any incident (`None`). Pages put it in their resources' sources, so they
/// reload. On the server, and before hydration, it stays at 0.
pub fn use_live_changes(incident: Option<i64>) -> ReadSignal<u64> {
    let (version, set_version) = signal(0u64);
    #[cfg(feature = "hydrate")]
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            listen(incident, set_version);
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (incident, set_version);
    version
}

#[cfg(feature = "hydrate")]
fn listen(incident: Option<i64>, set_version: WriteSignal<u64>) {
    use std::cell::Cell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Ok(source) = web_sys::EventSource::new("/api/live") else { return };
    let bump = move || set_version.update(|v| *v += 1);
    let on_incident = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let changed = event.data().as_string().and_then(|data| data.trim().parse::<i64>().ok());
        if concerns(incident, changed) {
            bump();
        }
    });
    let on_resync = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| bump());
    // The first "open" is the initial connection; every later one is a reconnection, after
    // which the page reloads what it shows to catch up on anything missed.
    let opened = Rc::new(Cell::new(false));
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        if opened.replace(true) {
            bump();
        }
    });
    let _ = source.add_event_listener_with_callback("incident", on_incident.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("resync", on_resync.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("open", on_open.as_ref().unchecked_ref());
    let closures = send_wrapper::SendWrapper::new((source, on_incident, on_resync, on_open));
    on_cleanup(move || closures.take().0.close());
}
