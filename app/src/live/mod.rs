//! Live updates: every change to an incident is published here (server), and every open page
//! listening through the server-sent events endpoint (`/api/live`) hears about it (browser,
//! `use_live_changes`).
//!
//! The events are `incident` (data: the incident id) and `resync` (anything may have changed:
//! reload what is shown). A page that reconnects after a network drop reloads what it shows,
//! so it catches up, and since it reloads rather than appends, nothing appears twice.
//!
//! A page also catches up when it first connects. The server's page carries a mark (`Mark`, in
//! `<meta name="quell-live-mark">`), and every event the mark just after it; a page connects
//! with the newest mark the browser holds when the page was made (before it asked for its
//! data), and the server starts the stream with a reload when the incident changed since.
//! Reloads wait a random moment of up to `SPREAD_MS`, and events within it make one reload, so
//! a thousand open pages don't all ask at once.
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

/// Where the server puts the mark of the page it renders.
pub const MARK_META: &str = "quell-live-mark";
/// Reloads after a change wait a random moment of up to this long.
// 0 for now: a reload that lands later than the page's own refresh resets forms half filled in
// (the add-action-item form loses its fields), so spreading waits until forms keep their state.
pub const SPREAD_MS: f64 = 0.0;

/// A counter that goes up whenever something the page shows may have changed: an incident
/// (`Some(id)`) or any incident (`None`). Pages put it in their resources' sources, so they
/// reload. On the server, and before hydration, it stays at 0.
pub fn use_live_changes(incident: Option<i64>) -> ReadSignal<u64> {
    let (version, set_version) = signal(0u64);
    #[cfg(feature = "hydrate")]
    {
        let mark = browser::page_mark();
        Effect::new(move |started: Option<()>| {
            if started.is_none() {
                listen(incident, mark.clone(), set_version);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (incident, set_version);
    version
}

/// `use_live_changes` for a page that learns which incident it shows only once its data has
/// loaded (a post-mortem's page): listens for `incident`'s changes from when it is known, and
/// again if it changes. Give it a `Memo`, so it restarts only when the incident does.
pub fn use_live_changes_of(incident: Memo<Option<i64>>) -> ReadSignal<u64> {
    let (version, set_version) = signal(0u64);
    #[cfg(feature = "hydrate")]
    {
        let mark = browser::page_mark();
        Effect::new(move |_| {
            // The listener started by the previous run is stopped by that run's cleanup.
            if let Some(id) = incident.get() {
                listen(Some(id), mark.clone(), set_version);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (incident, set_version);
    version
}

#[cfg(feature = "hydrate")]
fn listen(incident: Option<i64>, mark: Option<String>, set_version: WriteSignal<u64>) {
    let listener = browser::Listener::start(incident, mark, set_version);
    let listener = send_wrapper::SendWrapper::new(listener);
    on_cleanup(move || listener.take().stop());
}

/// The browser side: one `EventSource` per page, connected again whenever it is lost.
#[cfg(feature = "hydrate")]
mod browser {
    use super::concerns;
    use leptos::prelude::*;
    use std::cell::{Cell, RefCell};
    use std::rc::{Rc, Weak};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    /// How long to wait before connecting again when the browser has given up on the stream.
    const RETRY_MS: i32 = 3000;

    type Callback = Closure<dyn FnMut(web_sys::Event)>;

    thread_local! {
        /// The newest mark this browser holds: the server page's, then each event's.
        static NEWEST_MARK: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    /// The mark to connect with for a page made now (call it before the page asks for its data:
    /// a change after it is then either in the data or told on connecting). `None` when the
    /// server page had none: connect without one.
    pub fn page_mark() -> Option<String> {
        NEWEST_MARK.with_borrow_mut(|newest| {
            if newest.is_none() {
                *newest = web_sys::window()
                    .and_then(|window| window.document())
                    .and_then(|document| document.query_selector(&format!("meta[name={}]", super::MARK_META)).ok().flatten())
                    .and_then(|meta| meta.get_attribute("content"));
            }
            newest.clone()
        })
    }

    /// Keeps an event's mark as the newest.
    fn heard_mark(event: &web_sys::Event) {
        if let Some(message) = event.dyn_ref::<web_sys::MessageEvent>() {
            let mark = message.last_event_id();
            if !mark.is_empty() {
                NEWEST_MARK.with_borrow_mut(|newest| *newest = Some(mark));
            }
        }
    }

    pub struct Listener {
        incident: Option<i64>,
        /// Sent with every connection: see `page_mark`.
        mark: Option<String>,
        set_version: WriteSignal<u64>,
        /// A reload is waiting (`SPREAD_MS`): more events join it.
        reload_pending: Cell<bool>,
        source: RefCell<Option<web_sys::EventSource>>,
        /// Whether a connection has opened before: every later opening is a reconnection.
        opened: Cell<bool>,
        retry_pending: Cell<bool>,
        stopped: Cell<bool>,
        /// incident, resync, open, error, retry, online, reload.
        callbacks: RefCell<Vec<Callback>>,
    }

    impl Listener {
        pub fn start(incident: Option<i64>, mark: Option<String>, set_version: WriteSignal<u64>) -> Rc<Listener> {
            let listener = Rc::new(Listener {
                incident,
                mark,
                set_version,
                reload_pending: Cell::new(false),
                source: RefCell::new(None),
                opened: Cell::new(false),
                retry_pending: Cell::new(false),
                stopped: Cell::new(false),
                callbacks: RefCell::new(Vec::new()),
            });
            let weak = Rc::downgrade(&listener);
            let handlers: [fn(&Listener, web_sys::Event); 7] = [
                Listener::on_incident,
                |l, event| {
                    heard_mark(&event);
                    l.bump()
                },
                Listener::on_open,
                Listener::on_error,
                |l, _| {
                    l.retry_pending.set(false);
                    l.connect();
                },
                // Back online: don't wait for the browser's own retry.
                |l, _| l.connect(),
                |l, _| {
                    l.reload_pending.set(false);
                    if !l.stopped.get() {
                        l.set_version.update(|v| *v += 1);
                    }
                },
            ];
            *listener.callbacks.borrow_mut() = handlers.into_iter().map(|handler| callback(weak.clone(), handler)).collect();
            if let Some(window) = web_sys::window() {
                let _ = window.add_event_listener_with_callback("online", listener.callbacks.borrow()[5].as_ref().unchecked_ref());
            }
            listener.connect();
            listener
        }

        pub fn stop(&self) {
            self.stopped.set(true);
            if let Some(source) = self.source.borrow_mut().take() {
                source.close();
            }
            if let Some(window) = web_sys::window() {
                let _ = window.remove_event_listener_with_callback("online", self.callbacks.borrow()[5].as_ref().unchecked_ref());
            }
        }

        /// Reloads what the page shows after a random moment of up to `SPREAD_MS`; what happens
        /// meanwhile joins this reload.
        fn bump(&self) {
            if self.reload_pending.replace(true) {
                return;
            }
            let wait = (js_sys::Math::random() * super::SPREAD_MS) as i32;
            let reload = self.callbacks.borrow();
            let scheduled = web_sys::window().and_then(|window| {
                window.set_timeout_with_callback_and_timeout_and_arguments_0(reload[6].as_ref().unchecked_ref(), wait).ok()
            });
            if scheduled.is_none() {
                self.reload_pending.set(false);
                self.set_version.update(|v| *v += 1);
            }
        }

        fn connect(&self) {
            if self.stopped.get() {
                return;
            }
            if let Some(old) = self.source.borrow_mut().take() {
                old.close();
            }
            let mut url = String::from("/api/live");
            if let Some(mark) = &self.mark {
                url.push_str(&format!("?since={}", crate::domain::text::urlencode(mark)));
                if let Some(id) = self.incident {
                    url.push_str(&format!("&incident={id}"));
                }
            }
            let Ok(source) = web_sys::EventSource::new(&url) else { return };
            let callbacks = self.callbacks.borrow();
            for (event, index) in [("incident", 0), ("resync", 1), ("open", 2), ("error", 3)] {
                let _ = source.add_event_listener_with_callback(event, callbacks[index].as_ref().unchecked_ref());
            }
            *self.source.borrow_mut() = Some(source);
        }

        fn on_incident(&self, event: web_sys::Event) {
            heard_mark(&event);
            let changed = event
                .dyn_into::<web_sys::MessageEvent>()
                .ok()
                .and_then(|message| message.data().as_string())
                .and_then(|data| data.trim().parse::<i64>().ok());
            if concerns(self.incident, changed) {
                self.bump();
            }
        }

        /// A reconnection may have missed changes: reload what the page shows.
        fn on_open(&self, _: web_sys::Event) {
            if self.opened.replace(true) {
                self.bump();
            }
        }

        /// The browser retries a dropped stream by itself; when it has given up (the stream
        /// is closed), try again a little later.
        fn on_error(&self, _: web_sys::Event) {
            let closed = self.source.borrow().as_ref().is_none_or(|s| s.ready_state() == web_sys::EventSource::CLOSED);
            if closed && !self.retry_pending.replace(true) {
                if let Some(window) = web_sys::window() {
                    let retry = self.callbacks.borrow();
                    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(retry[4].as_ref().unchecked_ref(), RETRY_MS);
                }
            }
        }
    }

    fn callback(listener: Weak<Listener>, handler: fn(&Listener, web_sys::Event)) -> Callback {
        Closure::new(move |event: web_sys::Event| {
            if let Some(listener) = listener.upgrade() {
                handler(&listener, event);
            }
        })
    }
}

