//! The incident page's post-mortem card: the post-mortem (or starting one) and the incident's
//! action items.

use super::PostMortemStatusBadge;
use crate::api::post_mortems::{incident_post_mortem, IncidentPostMortemView};
use crate::components::errors::AppErrorView;
use crate::components::form::{FormError, SelectField, SubmitButton};
use crate::components::action_items::{people_options, ItemList, NewItemForm};
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};

/// An incident's post-mortem, loaded by the incident page (`api::post_mortems::incident_post_mortem`).
pub type IncidentPostMortemResource = Resource<Result<IncidentPostMortemView, crate::errors::AppError>>;

/// Loads what the incident page's post-mortem card shows.
pub fn incident_post_mortem_resource(id: impl Fn() -> i64 + Send + Sync + 'static, reload: impl Fn() -> u64 + Send + Sync + 'static) -> IncidentPostMortemResource {
    Resource::new(move || (id(), reload()), |(id, _)| incident_post_mortem(id))
}

#[component]
pub fn PostMortemCard(
    incident_id: i64,
    data: IncidentPostMortemResource,
    start: FormAction,
    add_item: FormAction,
    set_status: FormAction,
) -> impl IntoView {
    let error = start.error();
    let add_item_error = add_item.error();
    let back_to = format!("/incidents/{incident_id}");
    view! {
        <section class="card" aria-labelledby="post-mortem-heading">
            <h2 id="post-mortem-heading">"Post-mortem"</h2>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || data.get().map(|loaded| match loaded {
                    Ok(view_data) => {
                        let back_to = back_to.clone();
                        view! {
                            {match view_data.post_mortem.clone() {
                                Some(pm) => view! {
                                    <p>
                                        <a href=format!("/post-mortems/{}", pm.id)>"Open the post-mortem"</a>" "
                                        <PostMortemStatusBadge status=pm.status />
                                    </p>
                                    <p class="muted">{format!("Owner: {}", pm.owner_name)}</p>
                                }.into_any(),
                                None if view_data.can_start => view! {
                                    <PostForm action=start attr:class="stack-form">
                                        <FormError error fields=&["owner_id", "template_id"] />
                                        <input type="hidden" name="incident_id" value=incident_id />
                                        <SelectField label="Post-mortem owner" name="owner_id" error options=people_options(&view_data.people, None)
                                            selected=view_data.viewer_id.to_string() id_prefix="start-" />
                                        <SelectField label="Template" name="template_id" error
                                            options=view_data.templates.iter().map(|(id, name)| (id.to_string(), name.clone())).collect() id_prefix="start-" />
                                        <SubmitButton label="Start post-mortem" pending_label="Starting…" pending=start.pending().into() />
                                    </PostForm>
                                }.into_any(),
                                None => view! { <p class="muted">"A post-mortem can be started once the incident is resolved."</p> }.into_any(),
                            }}
                            <h3>"Action items"</h3>
                            {(view_data.completion.total > 0).then(|| view! { <p class="muted">{view_data.completion.text()}</p> })}
                            <ItemList rows=view_data.items.clone() can_respond=view_data.can_respond set_status back_to=back_to.clone() compact=true />
                            {view_data.can_respond.then(|| view! {
                                <details open=move || add_item_error.get().is_some()>
                                    <summary>"Add an action item"</summary>
                                    <NewItemForm create=add_item incident_id people=view_data.item_people.clone() viewer_id=view_data.viewer_id
                                        back_to=back_to.clone() />
                                </details>
                            })}
                        }.into_any()
                    }
                    Err(error) => view! { <AppErrorView error /> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
