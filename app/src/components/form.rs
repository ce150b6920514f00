//! Form fields that show their error beside them, and the form-level error box.
//!
//! Every control has a visible label bound to it with `for`/`id`, and an invalid field points at
//! its message with `aria-describedby`, so screen readers and tests find both.

use crate::errors::AppError;
use leptos::prelude::*;

/// The message for one field out of a form's error.
pub fn field_message(error: Signal<Option<AppError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || error.get().and_then(|err| err.message_for(field)))
}


/// An input handler that copies what is typed into `draft`, when there is one.
fn keep_draft(draft: Option<RwSignal<Option<String>>>) -> impl FnMut(leptos::ev::Event) + 'static {
    move |event| {
        if let Some(draft) = draft {
            draft.set(Some(event_target_value(&event)));
        }
    }
}

/// A control's id: its name, prefixed when the same form appears several times on a page.
fn field_id(prefix: Option<String>, name: &str) -> String {
    match prefix {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}-{name}"),
        _ => name.to_string(),
    }
}

fn described_by(id: String, error: Signal<Option<String>>, hint: bool) -> Signal<Option<String>> {
    Signal::derive(move || {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("{id}-hint"));
        }
        if error.get().is_some() {
            ids.push(format!("{id}-error"));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    })
}

#[component]
fn FieldMessages(id: String, hint: Option<&'static str>, error: Signal<Option<String>>) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    view! {
        {hint.map(move |hint| view! { <p class="field-hint" id=hint_id>{hint}</p> })}
        // A closure, not `<Show>`: no memo and no boxed children for each field of each form.
        {move || error.get().map(|message| view! { <p class="field-error" id=error_id.clone()>{message}</p> })}
    }
}

/// A labelled text-like input.
#[component]
pub fn Field(
    label: &'static str,
    /// The form field name; also the element id (prefixed by `id_prefix` when given).
    name: &'static str,
    error: Signal<Option<AppError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = true)] required: bool,
    #[prop(optional, into)] id_prefix: Option<String>,
    /// Keeps what is typed, so the text survives the form being drawn anew (live updates).
    #[prop(optional)] draft: Option<RwSignal<Option<String>>>,
) -> impl IntoView {
    let id = field_id(id_prefix, name);
    let message = field_message(error, name);
    let value = draft.and_then(|d| d.get_untracked()).or(value);
    view! {
        <div class="field" class:invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                on:input=keep_draft(draft)
                required=required
                aria-invalid=move || message.get().is_some().then_some("true")
                aria-describedby=described_by(id.clone(), message, hint.is_some())
            />
            <FieldMessages id hint error=message />
        </div>
    }
}

/// A labelled drop-down list.
#[component]
pub fn SelectField(
    label: &'static str,
    name: &'static str,
    error: Signal<Option<AppError>>,
    /// (value, label) pairs.
    options: Vec<(String, String)>,
    #[prop(optional, into)] selected: Option<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional, into)] id_prefix: Option<String>,
) -> impl IntoView {
    let id = field_id(id_prefix, name);
    let message = field_message(error, name);
    let selected = selected.unwrap_or_default();
    view! {
        <div class="field" class:invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            <select
                id=id.clone()
                name=name
                aria-invalid=move || message.get().is_some().then_some("true")
                aria-describedby=described_by(id.clone(), message, hint.is_some())
            >
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let is_selected = value == selected;
                        view! { <option value=value selected=is_selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
            <FieldMessages id hint error=message />
        </div>
    }
}

/// The error for `field`, under a group of controls that has no single field of its own.
#[component]
pub fn FieldMessage(error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    let message = field_message(error, field);
    move || message.get().map(|message| view! { <p class="field-error" role="alert">{message}</p> })
}

/// The error of a submission that does not belong to one of `fields` (or to any field).
#[component]
pub fn FormError(error: Signal<Option<AppError>>, fields: &'static [&'static str]) -> impl IntoView {
    let message = move || {
        error.get().and_then(|err| {
            let shown_beside_a_field = fields.iter().any(|field| err.message_for(field).is_some());
            (!shown_beside_a_field).then(|| err.to_string())
        })
    };
    move || message().map(|message| view! { <div class="form-error" role="alert">{message}</div> })
}

/// A submit button that says what is happening while the action runs.
#[component]
pub fn SubmitButton(
    label: &'static str,
    pending_label: &'static str,
    pending: Signal<bool>,
    #[prop(default = "button primary")] class: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=class disabled=move || pending.get() aria-busy=move || pending.get().then_some("true")>
            {move || if pending.get() { pending_label } else { label }}
        </button>
    }
}

/// A labelled multi-line text field.
#[component]
pub fn TextArea(
    label: &'static str,
    name: &'static str,
    error: Signal<Option<AppError>>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = false)] required: bool,
    #[prop(default = 4)] rows: u32,
    #[prop(optional, into)] id_prefix: Option<String>,
    /// Keeps what is typed, so the text survives the form being drawn anew (live updates).
    #[prop(optional)] draft: Option<RwSignal<Option<String>>>,
) -> impl IntoView {
    let id = field_id(id_prefix, name);
    let message = field_message(error, name);
    let value = draft.and_then(|d| d.get_untracked()).or(value);
    view! {
        <div class="field" class:invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            <textarea
                id=id.clone()
                name=name
                rows=rows
                required=required
                aria-invalid=move || message.get().is_some().then_some("true")
                aria-describedby=described_by(id.clone(), message, hint.is_some())
                // Leptos writes a text area's text into server-rendered HTML unescaped, so the
                // text is escaped here (a note containing "</textarea><script>" stays text).
                inner_html=crate::domain::text::escape_html(&value.unwrap_or_default())
                on:input=keep_draft(draft)
            ></textarea>
            <FieldMessages id hint error=message />
        </div>
    }
}

/// A labelled checkbox that submits `true` when ticked (the server function's argument
/// defaults to false when it is not).
#[component]
pub fn CheckboxField(
    label: &'static str,
    name: &'static str,
    #[prop(default = false)] checked: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional, into)] id_prefix: Option<String>,
) -> impl IntoView {
    let id = field_id(id_prefix, name);
    let hint_id = format!("{id}-hint");
    view! {
        <div class="field checkbox-field">
            <input
                type="checkbox"
                id=id.clone()
                name=name
                value="true"
                checked=checked
                aria-describedby=hint.map(|_| hint_id.clone())
            />
            <label for=id>{label}</label>
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id>{hint}</p> })}
        </div>
    }
}

/// A group of checkboxes for choosing several of `options` ((id, label) pairs). They are named
/// `name[0]`, `name[1]`, … so the chosen ids arrive as a list.
#[component]
pub fn MultiCheck(
    legend: &'static str,
    name: &'static str,
    error: Signal<Option<AppError>>,
    options: Vec<(i64, String)>,
    #[prop(optional)] chosen: Vec<i64>,
    #[prop(optional, into)] id_prefix: Option<String>,
    #[prop(optional)] empty: Option<&'static str>,
) -> impl IntoView {
    let prefix = id_prefix.unwrap_or_default();
    let message = field_message(error, name);
    let error_id = format!("{prefix}{name}-error");
    let is_empty = options.is_empty();
    view! {
        <fieldset class="field multi-check" class:invalid=move || message.get().is_some()>
            <legend>{legend}</legend>
            {is_empty.then(|| view! { <p class="field-hint">{empty.unwrap_or("Nothing to choose from yet.")}</p> })}
            <div class="check-grid">
                {options
                    .into_iter()
                    .enumerate()
                    .map(|(index, (id, label))| {
                        let input_id = format!("{prefix}{name}-{id}");
                        view! {
                            <span class="check-option">
                                <input
                                    type="checkbox"
                                    id=input_id.clone()
                                    name=format!("{name}[{index}]")
                                    value=id
                                    checked=chosen.contains(&id)
                                />
                                <label for=input_id>{label}</label>
                            </span>
                        }
                    })
                    .collect_view()}
            </div>
            {move || message.get().map(|message| view! { <p class="field-error" id=error_id.clone()>{message}</p> })}
        </fieldset>
    }
}

/// The submit button of a form that destroys something, behind a second step: the first button
/// opens a box (a native disclosure: it works without JavaScript and from the keyboard) that says
/// what will be lost, with the button that does it. Put it inside the form, after its inputs.
#[component]
pub fn ConfirmSubmit(
    /// The first button: "Delete schedule".
    #[prop(into)]
    label: String,
    /// What will be lost, in a sentence or two.
    #[prop(into)]
    consequence: String,
    /// The button that does it: "Delete Primary".
    #[prop(into)]
    confirm: String,
    /// What it acts on, for screen readers when the list around says it already: "Primary".
    #[prop(optional, into)]
    subject: Option<String>,
    /// A small button (in lists).
    #[prop(optional)]
    small: bool,
) -> impl IntoView {
    let class = if small { "button small danger-outline" } else { "button danger" };
    view! {
        <details class="confirm">
            <summary class=class>{label}{subject.map(|s| view! { <span class="visually-hidden">{format!(" {s}")}</span> })}</summary>
            <div class="confirm-box">
                <p>{consequence}</p>
                <button type="submit" class="button danger">{confirm}</button>
            </div>
        </details>
    }
}
