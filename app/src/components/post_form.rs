//! Forms that post to a server function, written once for every form.
//!
//! Leptos's `ServerAction<S>` and `ActionForm` are generic over the server function, so the
//! browser's wasm held a copy of the action, its signals, and the decoding and encoding of the
//! form for every server function a page posts to. A [`FormAction`] knows its server function
//! only by its address and keeps what came back as JSON text, so every form shares one copy of
//! the code (a first visit to an incident page went from 643 KB to 573 KB brotli, and the shell
//! that every page loads from 235 KB to 213 KB).
//!
//! The browser sends what it would send without JavaScript (the form's fields, URL-encoded, and
//! the button that submitted it), so the server reads both the same way. Without JavaScript the
//! server answers a form post with a redirect back to the page, an error in its query; that
//! error is shown as `ServerAction` shows it.

use crate::errors::AppError;
use leptos::html::Form;
use leptos::prelude::*;
use leptos::server::ServerActionError;
use serde::de::DeserializeOwned;
use server_fn::error::ServerFnUrlError;
use server_fn::ServerFn;

/// The state of the forms that post to one server function: the latest answer, how many answers
/// came, and whether one is awaited.
#[derive(Clone, Copy)]
pub struct FormAction {
    url: &'static str,
    /// The latest answer: the server function's output as JSON, or its error.
    value: RwSignal<Option<Result<String, AppError>>>,
    version: RwSignal<usize>,
    in_flight: RwSignal<usize>,
}

impl FormAction {
    /// The action of forms that post to the server function `S`.
    pub fn new<S: ServerFn<Error = AppError>>() -> FormAction {
        FormAction::at(S::PATH)
    }

    fn at(url: &'static str) -> FormAction {
        // A form posted without JavaScript that failed comes back with its error in the address.
        let failed = use_context::<ServerActionError>()
            .filter(|error| error.path() == url)
            .map(|error| Err(ServerFnUrlError::<AppError>::decode_err(error.err())));
        FormAction { url, value: RwSignal::new(failed), version: RwSignal::new(0), in_flight: RwSignal::new(0) }
    }

    /// Goes up by one with each answer, success or not (tracked).
    pub fn version(&self) -> ReadSignal<usize> {
        self.version.read_only()
    }

    /// The sum of the actions' versions: goes up whenever any of them is answered (tracked), so a
    /// page's data can reload after each.
    pub fn versions(actions: &[FormAction]) -> usize {
        actions.iter().map(|action| action.version.get()).sum()
    }

    /// Whether an answer is awaited (tracked).
    pub fn pending(&self) -> Signal<bool> {
        let in_flight = self.in_flight;
        Signal::derive(move || in_flight.get() > 0)
    }

    /// Whether the latest answer was a success (tracked).
    pub fn succeeded(&self) -> bool {
        self.value.with(|value| matches!(value, Some(Ok(_))))
    }

    /// The output of the latest answer, when it was a success (tracked).
    pub fn output<T: DeserializeOwned>(&self) -> Option<T> {
        self.value.with(|value| match value {
            Some(Ok(json)) => serde_json::from_str(json).ok(),
            _ => None,
        })
    }

    /// The error of the latest answer, when it failed.
    pub fn error(&self) -> Signal<Option<AppError>> {
        let value = self.value;
        Signal::derive(move || value.with(|value| value.as_ref().and_then(|v| v.as_ref().err().cloned())))
    }

    /// The version at the latest success: changes after each success, not after a failure (so a
    /// page that reloads on it keeps a failed form as it was, error and all).
    pub fn successes(&self) -> Memo<usize> {
        let action = *self;
        Memo::new(move |last: Option<&usize>| {
            if action.succeeded() {
                action.version.get()
            } else {
                last.copied().unwrap_or(0)
            }
        })
    }

    /// A form reference that empties its form after each success. A page that reloads its data
    /// keeps the DOM of forms whose markup did not change, typed values included, so an "add"
    /// form is emptied this way rather than by drawing it again.
    pub fn reset_after_success(&self) -> NodeRef<Form> {
        let action = *self;
        let form: NodeRef<Form> = NodeRef::new();
        Effect::new(move |_| {
            if action.succeeded() {
                if let Some(form) = form.get_untracked() {
                    form.reset();
                }
            }
        });
        form
    }

    /// Posts `body` (URL-encoded fields) to the server function; the answer arrives in `value`.
    #[cfg(feature = "hydrate")]
    fn post(self, body: String) {
        self.in_flight.update(|n| *n += 1);
        leptos::task::spawn_local(async move {
            let answer = browser::post(self.url, body).await;
            // The page may be gone by now; then nobody is waiting for the answer.
            self.value.try_set(Some(answer));
            self.version.try_update(|n| *n += 1);
            self.in_flight.try_update(|n| *n = n.saturating_sub(1));
        });
    }
}

/// A `<form>` that posts to `action`'s server function: in the page when JavaScript runs, as an
/// ordinary form post otherwise.
#[component]
pub fn PostForm(
    action: FormAction,
    #[prop(optional)] node_ref: Option<NodeRef<Form>>,
    children: Children,
) -> impl IntoView {
    let node_ref = node_ref.unwrap_or_default();
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        if event.default_prevented() {
            return;
        }
        #[cfg(feature = "hydrate")]
        if let Some(body) = browser::form_body(&event) {
            event.prevent_default();
            action.post(body);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (event, action);
    };
    view! {
        <form action=action.url method="post" node_ref=node_ref on:submit=on_submit>
            {children()}
        </form>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use crate::errors::AppError;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    /// The submitted form's fields, URL-encoded, with the button that submitted it; `None` when
    /// they can't be read (the browser then posts the form itself).
    pub(super) fn form_body(event: &leptos::ev::SubmitEvent) -> Option<String> {
        let form = event.target()?.dyn_into::<web_sys::HtmlFormElement>().ok()?;
        let fields = web_sys::FormData::new_with_form(&form).ok()?;
        if let Some(submitter) = event.submitter() {
            let named = submitter
                .dyn_ref::<web_sys::HtmlButtonElement>()
                .map(|button| (button.name(), button.value()))
                .or_else(|| submitter.dyn_ref::<web_sys::HtmlInputElement>().map(|input| (input.name(), input.value())));
            if let Some((name, value)) = named.filter(|(name, _)| !name.is_empty()) {
                fields.append_with_str(&name, &value).ok()?;
            }
        }
        let params = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&fields).ok()?;
        Some(params.to_string().into())
    }

    /// Posts `body` to `url` and reads the answer: the output's JSON, or the error the server
    /// function sent.
    pub(super) async fn post(url: &str, body: String) -> Result<String, AppError> {
        let (status, text) = send(url, body).await.map_err(|error| AppError::Transport { message: describe(error) })?;
        if (400..=599).contains(&status) {
            Err(serde_json::from_str(&text).unwrap_or_else(|_| AppError::Transport {
                message: format!("the server answered {status} without a readable error"),
            }))
        } else {
            Ok(text)
        }
    }

    async fn send(url: &str, body: String) -> Result<(u16, String), JsValue> {
        let headers = web_sys::Headers::new()?;
        headers.set("Content-Type", "application/x-www-form-urlencoded")?;
        headers.set("Accept", "application/json")?;
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(&body));
        let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await?.dyn_into()?;
        let text = JsFuture::from(response.text()?).await?.as_string().unwrap_or_default();
        Ok((response.status(), text))
    }

    fn describe(error: JsValue) -> String {
        error
            .dyn_ref::<js_sys::Error>()
            .map(|error| String::from(error.message()))
            .or_else(|| error.as_string())
            .unwrap_or_else(|| "the request failed".to_string())
    }
}
