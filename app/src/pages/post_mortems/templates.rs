//! The post-mortem templates settings page.

use crate::api::post_mortems::{list_templates, DeleteTemplate, SaveTemplate};
use crate::components::errors::AppErrorView;
use crate::components::form::{Field, FormError, SubmitButton, TextArea};
use crate::components::layout::RequireUser;
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};
use crate::components::title::PageTitle;
use leptos_router::components::A;

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let save = FormAction::new::<SaveTemplate>();
    let delete = FormAction::new::<DeleteTemplate>();
    let done = [save.successes(), delete.successes()];
    let last = RwSignal::new(0i64);
    let data = Resource::new(move || done.iter().map(|m| m.get()).sum::<usize>(), |_| list_templates());
    view! {
        <PageTitle text="Post-mortem templates · Settings · Quell" />
        <RequireUser>
            <p><A href="/settings">"← Settings"</A></p>
            <h1>"Post-mortem templates"</h1>
            <p class="muted">"Each line starting with \"## \" begins a section; the text under it guides the writer. A section called \"Timeline\" is pre-filled from the incident."</p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading templates…"</p> }>
                {move || data.get().map(|loaded| match loaded {
                    Ok(view_data) => view! {
                        <ul class="catalog-list">
                            {view_data.templates.into_iter().map(|t| {
                                let prefix = format!("template-{}-", t.id);
                                view! {
                                    <li class="card">
                                        <h2>{t.name.clone()}{t.is_default.then_some(" (default)")}</h2>
                                        <p class="muted">{format!("Needs {} approval{} to publish.", t.required_approvals, if t.required_approvals == 1 { "" } else { "s" })}</p>
                                        {view_data.can_edit.then(|| view! {
                                            <details>
                                                <summary>"Edit"<span class="visually-hidden">{format!(" {}", t.name)}</span></summary>
                                                <TemplateForm save id=t.id revision=t.revision name=t.name.clone() body=t.body.clone()
                                                    approvals=t.required_approvals is_default=t.is_default prefix=prefix.clone() last />
                                                {(!t.is_default).then(|| view! {
                                                    <PostForm action=delete attr:class="inline-form">
                                                        <input type="hidden" name="id" value=t.id />
                                                        <input type="hidden" name="revision" value=t.revision />
                                                        <button type="submit" class="button danger">"Delete template"</button>
                                                    </PostForm>
                                                })}
                                            </details>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <FormError error=delete.error() fields=&[] />
                        {view_data.can_edit.then(|| view! {
                            <section class="card" aria-labelledby="new-template-heading">
                                <h2 id="new-template-heading">"New template"</h2>
                                <TemplateForm save id=0 revision=0 name=String::new() body="## Summary\n\n## Root cause\n".to_string()
                                    approvals=1 is_default=false prefix="new-template-".to_string() last />
                            </section>
                        })}
                    }.into_any(),
                    Err(error) => view! { <AppErrorView error /> }.into_any(),
                })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn TemplateForm(
    save: FormAction,
    id: i64,
    revision: i64,
    name: String,
    body: String,
    approvals: i64,
    is_default: bool,
    prefix: String,
    /// The template whose form was submitted last (0 for the new one).
    last: RwSignal<i64>,
) -> impl IntoView {
    let all = save.error();
    let error = Signal::derive(move || if last.get() == id { all.get() } else { None });
    view! {
        <PostForm action=save attr:class="stack-form" on:submit=move |_| last.set(id)>
            <FormError error fields=&["name", "body", "required_approvals"] />
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="revision" value=revision />
            <Field label="Template name" name="name" value=name error id_prefix=prefix.clone() />
            <Field label="Approvals needed to publish" name="required_approvals" kind="number" value=approvals.to_string() error id_prefix=prefix.clone() />
            <TextArea label="Sections" name="body" value=body error rows=12 id_prefix=prefix.clone() required=true />
            {(id != 0 && !is_default).then(|| view! {
                <div class="checkbox-field">
                    <input type="checkbox" id=format!("{prefix}make_default") name="make_default" value="true" />
                    <label for=format!("{prefix}make_default")>"Make this the default template"</label>
                </div>
            })}
            <SubmitButton label=if id == 0 { "Create template" } else { "Save template" } pending_label="Saving…" pending=save.pending().into() />
        </PostForm>
    }
}
