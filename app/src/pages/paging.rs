//! Escalation policies (list, one policy's levels and services) and pages (every page, and an
//! incident's paging card): who is paged, how it escalates, and acknowledging. Everyone signed
//! in reads; admins edit policies; responders and admins page and acknowledge.

use crate::api::paging::{
    get_policy, list_deleted, list_pages, list_policies, AcknowledgePage, DeletedItem, RestoreDeleted, CreatePolicy, DeletePolicy, LevelView, OpenPage, PageView,
    PagesView, PoliciesView, PolicySummary, PolicyView, RemoveLevel, SaveLevel, SetServicePolicy, TargetChoices, UpdatePolicy,
};
use crate::components::errors::AppErrorView;
use crate::components::form::{ConfirmSubmit, Field, FormError, MultiCheck, SelectField, SubmitButton, TextArea};
use crate::components::layout::RequireUser;
use crate::domain::paging::PageStatus;
use crate::components::pagination::Pagination;
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};
use crate::components::title::PageTitle;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The On-call section's tabs.
#[component]
pub fn OnCallTabs(current: &'static str) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        view! { <a href=href aria-current=(href == current).then_some("page")>{label}</a> }
    };
    view! {
        <nav class="status-tabs" aria-label="On-call">
            {tab("/on-call", "Schedules")}
            {tab("/on-call/policies", "Escalation policies")}
            {tab("/on-call/pages", "Pages")}
            {move || crate::components::session::use_session()
                .user()
                .filter(|user| user.role.allows(crate::domain::permissions::Permission::ManageSettings))
                .map(|_| tab("/on-call/deleted", "Recently deleted"))}
        </nav>
    }
}

fn page_number() -> Memo<i64> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| q.get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1)))
}

#[component]
pub fn PoliciesPage() -> impl IntoView {
    let page = page_number();
    let create = FormAction::new::<CreatePolicy>();
    crate::components::session::load_page_after(create);
    let data = Resource::new(move || page.get(), list_policies);
    let body = crate::components::plain::PageBody::new();
    view! {
        <PageTitle text="Escalation policies · On-call · Quell" />
        <RequireUser>
            <h1>"On-call"</h1>
            <OnCallTabs current="/on-call/policies" />
            <p class="muted">"A policy pages its levels in turn until someone acknowledges. Services page through their policy."</p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading policies…"</p> }>
                {move || body.show(move || data.get(), |view_data| view! { <PoliciesBody data=view_data create /> })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn PoliciesBody(data: PoliciesView, create: FormAction) -> impl IntoView {
    let (page, pages) = (data.page, data.pages);
    view! {
        <section class="card" aria-labelledby="policies-heading">
            <h2 id="policies-heading">{format!("Escalation policies ({})", data.total)}</h2>
            {if data.rows.is_empty() {
                view! { <p class="empty-state">"No escalation policies yet. An admin creates them; then services can page through them."</p> }.into_any()
            } else {
                view! {
                    <ul class="catalog-list">
                        {data.rows.into_iter().map(|policy| view! {
                            <li class="catalog-item">
                                <div class="catalog-head">
                                    <A href=format!("/on-call/policies/{}", policy.id)>{policy.name.clone()}</A>
                                    <span class="cell-sub">{repeat_text(policy.repeats)}</span>
                                </div>
                                <LevelList levels=policy.levels />
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <Pagination page pages base="/on-call/policies" />
        </section>
        {data.can_edit.then(|| view! { <NewPolicyForm create choices=data.choices /> })}
    }
}

fn repeat_text(repeats: i64) -> String {
    match repeats {
        0 => "Runs once".to_string(),
        1 => "Runs twice (repeats once)".to_string(),
        n => format!("Runs {} times", n + 1),
    }
}

/// What a level's wait leads to: the next level, the first again (while the policy repeats),
/// or the end of the page.
fn wait_sentence(level: &LevelView, policy: &PolicySummary) -> String {
    let minutes = level.delay_minutes;
    if level.number < policy.levels.len() as i64 {
        format!("Waits {minutes} min before the next level")
    } else if policy.repeats > 0 {
        let times = if policy.repeats == 1 { "once more".to_string() } else { format!("{} more times", policy.repeats) };
        format!("Waits {minutes} min, then starts again from level 1 ({times})")
    } else {
        format!("Waits {minutes} min, then the page ends unanswered")
    }
}

#[component]
fn LevelList(levels: Vec<LevelView>) -> impl IntoView {
    view! {
        <ol class="level-list">
            {levels.into_iter().map(|level| view! {
                <li>{format!("Pages {}, then waits {} min", level.targets.join(", "), level.delay_minutes)}</li>
            }).collect_view()}
        </ol>
    }
}

/// The controls of a level: the schedules and people it pages, and its wait.
#[component]
fn LevelFields(
    choices: TargetChoices,
    error: Signal<Option<crate::errors::AppError>>,
    level: Option<LevelView>,
    prefix: String,
) -> impl IntoView {
    let (users, schedules, delay) = match &level {
        Some(l) => (l.user_ids.clone(), l.schedule_ids.clone(), l.delay_minutes.to_string()),
        None => (Vec::new(), Vec::new(), "5".to_string()),
    };
    view! {
        <MultiCheck legend="Schedules (whoever is on call)" name="schedule_ids" error options=choices.schedules chosen=schedules
            id_prefix=format!("{prefix}-") empty="No schedules yet." />
        <MultiCheck legend="People" name="user_ids" error options=choices.people chosen=users id_prefix=format!("{prefix}-") />
        <crate::components::form::FieldMessage error field="targets" />
        <Field label="Minutes to wait before the next level" name="delay_minutes" kind="number" value=delay error id_prefix=prefix.clone() />
    }
}

#[component]
fn NewPolicyForm(create: FormAction, choices: TargetChoices) -> impl IntoView {
    let error = create.error();
    view! {
        <section class="card" aria-labelledby="new-policy-heading">
            <h2 id="new-policy-heading">"New escalation policy"</h2>
            <PostForm action=create attr:class="stack-form">
                <FormError error fields=&["name", "description", "repeats", "targets", "delay_minutes", "schedule_ids", "user_ids"] />
                <Field label="Name" name="name" error id_prefix="new-policy-" />
                <TextArea label="Description" name="description" error rows=2 id_prefix="new-policy-" required=false />
                <h3>"Level 1"</h3>
                <LevelFields choices error level=None prefix="new-policy".to_string() />
                <Field label="Repeat the whole policy (times)" name="repeats" kind="number" value="0" error id_prefix="new-policy-"
                    hint="0 to 9: how many more rounds after the last level." />
                <SubmitButton label="Create policy" pending_label="Creating…" pending=create.pending().into() />
            </PostForm>
        </section>
    }
}

/// The actions of a policy's page, made once so their results outlive the data reloading.
#[derive(Clone, Copy)]
struct PolicyActions {
    update: FormAction,
    save_level: FormAction,
    remove_level: FormAction,
    delete: FormAction,
    set_service: FormAction,
}

#[component]
pub fn PolicyPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0));
    let actions = PolicyActions {
        update: FormAction::new::<UpdatePolicy>(),
        save_level: FormAction::new::<SaveLevel>(),
        remove_level: FormAction::new::<RemoveLevel>(),
        delete: FormAction::new::<DeletePolicy>(),
        set_service: FormAction::new::<SetServicePolicy>(),
    };
    crate::components::session::load_page_after(actions.delete);
    let done = [
        actions.update.successes(),
        actions.save_level.successes(),
        actions.remove_level.successes(),
        actions.set_service.successes(),
    ];
    let data = Resource::new(move || (id(), done.iter().map(|m| m.get()).sum::<usize>()), |(id, _)| get_policy(id));
    let body = crate::components::plain::PageBody::new();
    view! {
        <RequireUser>
            <p><A href="/on-call/policies">"← Escalation policies"</A></p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading the policy…"</p> }>
                {move || body.show(move || data.get(), |view_data| view! { <PolicyBody data=view_data actions /> })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn PolicyBody(data: PolicyView, actions: PolicyActions) -> impl IntoView {
    let policy = data.policy.clone();
    let remove_error = actions.remove_level.error();
    let add_error = actions.save_level.error();
    view! {
        <PageTitle text=format!("{} · Escalation policies · Quell", policy.name) />
        <header class="page-head">
            <h1>{policy.name.clone()}</h1>
            {(!policy.description.is_empty()).then(|| view! { <p>{policy.description.clone()}</p> })}
            <p class="muted">{repeat_text(policy.repeats)}</p>
        </header>
        <section class="card" aria-labelledby="levels-heading">
            <h2 id="levels-heading">"Levels"</h2>
            <FormError error=remove_error fields=&[] />
            <FormError error=add_error fields=&[] />
            <ol class="layer-list">
                {policy.levels.clone().into_iter().map(|level| view! {
                    <LevelItem level policy=policy.clone() can_edit=data.can_edit choices=data.choices.clone() actions />
                }).collect_view()}
            </ol>
            {data.can_edit.then(|| view! {
                <details open=move || add_error.get().is_some()>
                    <summary>"Add a level"</summary>
                    <LevelForm policy=policy.clone() level=None choices=data.choices.clone() actions />
                </details>
            })}
        </section>
        <ServicesCard data=data.clone() actions />
        {data.can_edit.then(|| view! { <PolicySettings policy=policy.clone() actions /> })}
    }
}

#[component]
fn LevelItem(level: LevelView, policy: PolicySummary, can_edit: bool, choices: TargetChoices, actions: PolicyActions) -> impl IntoView {
    let number = level.number;
    view! {
        <li class="catalog-item">
            <div class="catalog-head">
                <span class="cell-title">{format!("Level {number}")}</span>
                <span>{format!("Pages {}", level.targets.join(", "))}</span>
                <span class="cell-sub">{wait_sentence(&level, &policy)}</span>
            </div>
            {can_edit.then(|| view! {
                <details>
                    <summary>"Edit" <span class="visually-hidden">{format!(" level {number}")}</span></summary>
                    <LevelForm policy=policy.clone() level=Some(level.clone()) choices actions />
                </details>
                <PostForm action=actions.remove_level attr:class="inline-form">
                    <input type="hidden" name="policy_id" value=policy.id />
                    <input type="hidden" name="revision" value=policy.revision />
                    <input type="hidden" name="level" value=number />
                    <ConfirmSubmit label="Remove level" subject=number.to_string() small=true
                        consequence=format!("Level {number} stops paging {}; later levels move up.", level.targets.join(", "))
                        confirm=format!("Remove level {number}") />
                </PostForm>
            })}
        </li>
    }
}

#[component]
fn LevelForm(policy: PolicySummary, level: Option<LevelView>, choices: TargetChoices, actions: PolicyActions) -> impl IntoView {
    let error = actions.save_level.error();
    let number = level.as_ref().map(|l| l.number).unwrap_or(0);
    let prefix = if number == 0 { "new-level".to_string() } else { format!("level-{number}") };
    let form = actions.save_level.reset_after_success();
    view! {
        <PostForm action=actions.save_level attr:class="stack-form" node_ref=form>
            <input type="hidden" name="policy_id" value=policy.id />
            <input type="hidden" name="revision" value=policy.revision />
            <input type="hidden" name="level" value=number />
            <LevelFields choices error level prefix />
            <SubmitButton label=if number == 0 { "Add level" } else { "Save level" } pending_label="Saving…" pending=actions.save_level.pending().into() />
        </PostForm>
    }
}

#[component]
fn ServicesCard(data: PolicyView, actions: PolicyActions) -> impl IntoView {
    let error = actions.set_service.error();
    let policy_id = data.policy.id;
    let mut options = vec![("0".to_string(), "Choose a service".to_string())];
    options.extend(data.services.iter().map(|(id, name)| (id.to_string(), name.clone())));
    view! {
        <section class="card" aria-labelledby="services-heading">
            <h2 id="services-heading">"Services paging through this policy"</h2>
            <FormError error fields=&["service_id"] />
            {if data.policy.services.is_empty() {
                view! { <p class="empty-state">"No service pages through this policy yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="catalog-list">
                        {data.policy.services.clone().into_iter().map(|(id, name)| view! {
                            <li class="catalog-item">
                                <span class="cell-title">{name.clone()}</span>
                                {data.can_edit.then(|| view! {
                                    <PostForm action=actions.set_service attr:class="inline-form">
                                        <input type="hidden" name="service_id" value=id />
                                        <input type="hidden" name="policy_id" value="0" />
                                        <input type="hidden" name="back_to" value=policy_id />
                                        <button type="submit" class="button small">"Stop paging for " {name.clone()}</button>
                                    </PostForm>
                                })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {data.can_edit.then(|| view! {
                <PostForm action=actions.set_service attr:class="inline-fields">
                    <input type="hidden" name="policy_id" value=policy_id />
                    <SelectField label="Service" name="service_id" error options=options.clone() id_prefix="policy-service-"
                        hint="Its page goes through this policy (instead of any other)." />
                    <SubmitButton label="Page for this service" pending_label="Saving…" pending=actions.set_service.pending().into() />
                </PostForm>
            })}
        </section>
    }
}

#[component]
fn PolicySettings(policy: PolicySummary, actions: PolicyActions) -> impl IntoView {
    let error = actions.update.error();
    let delete_error = actions.delete.error();
    let delete_consequence = format!(
        "{} is deleted with its levels. Pages it already opened go on; services that page through it must get another policy first.",
        policy.name
    );
    let delete_confirm = format!("Delete {}", policy.name);
    view! {
        <section class="card" aria-labelledby="policy-settings-heading">
            <h2 id="policy-settings-heading">"Policy settings"</h2>
            <PostForm action=actions.update attr:class="stack-form">
                <FormError error fields=&["name", "description", "repeats"] />
                <input type="hidden" name="id" value=policy.id />
                <input type="hidden" name="revision" value=policy.revision />
                <Field label="Name" name="name" value=policy.name.clone() error id_prefix="policy-" />
                <TextArea label="Description" name="description" value=policy.description.clone() error rows=2 id_prefix="policy-" required=false />
                <Field label="Repeat the whole policy (times)" name="repeats" kind="number" value=policy.repeats.to_string() error id_prefix="policy-"
                    hint="0 to 9: how many more rounds after the last level." />
                <SubmitButton label="Save" pending_label="Saving…" pending=actions.update.pending().into() />
            </PostForm>
            <PostForm action=actions.delete attr:class="inline-form">
                <FormError error=delete_error fields=&[] />
                <input type="hidden" name="id" value=policy.id />
                <input type="hidden" name="revision" value=policy.revision />
                <ConfirmSubmit label="Delete policy" consequence=delete_consequence confirm=delete_confirm />
            </PostForm>
        </section>
    }
}

#[component]
pub fn PagesPage() -> impl IntoView {
    let page = page_number();
    let open = FormAction::new::<OpenPage>();
    let acknowledge = FormAction::new::<AcknowledgePage>();
    let done = [open.successes(), acknowledge.successes()];
    let live = crate::live::use_live_changes(None);
    let data = Resource::new(move || (page.get(), done.iter().map(|m| m.get()).sum::<usize>(), live.get()), |(page, ..)| list_pages(page));
    view! {
        <PageTitle text="Pages · On-call · Quell" />
        <RequireUser>
            <h1>"On-call"</h1>
            <OnCallTabs current="/on-call/pages" />
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading pages…"</p> }>
                {move || data.get().map(|loaded| match loaded {
                    Ok(view_data) => {
                        let (page, pages) = (view_data.page, view_data.pages);
                        view! {
                            {view_data.can_page.then(|| view! {
                                <section class="card" aria-labelledby="page-form-heading">
                                    <h2 id="page-form-heading">"Page someone"</h2>
                                    <PageForm open incident_id=0 targets=view_data.targets.clone() default_target=view_data.default_target.clone() />
                                </section>
                            })}
                            <section class="card" aria-labelledby="pages-heading">
                                <h2 id="pages-heading">{format!("Pages ({})", view_data.total)}</h2>
                                <PageList data=view_data acknowledge />
                                <Pagination page pages base="/on-call/pages" />
                            </section>
                        }.into_any()
                    }
                    Err(error) => view! { <AppErrorView error /> }.into_any(),
                })}
            </Transition>
        </RequireUser>
    }
}

/// The form that opens a page.
#[component]
fn PageForm(open: FormAction, incident_id: i64, targets: Vec<(String, String)>, default_target: String) -> impl IntoView {
    let error = open.error();
    let form = open.reset_after_success();
    let prefix = if incident_id == 0 { "page-" } else { "incident-page-" };
    let empty = targets.is_empty();
    // Nothing is chosen for the person paging, unless the incident's service is the obvious one.
    let mut targets = targets;
    if default_target.is_empty() && !empty {
        targets.insert(0, (String::new(), "Choose whom to page".to_string()));
    }
    view! {
        <PostForm action=open attr:class="stack-form" node_ref=form>
            <FormError error fields=&["target", "message"] />
            <input type="hidden" name="incident_id" value=incident_id />
            {empty.then(|| view! { <p class="field-hint">"Nothing to page yet: add people, or give a service an escalation policy."</p> })}
            <SelectField label="Page" name="target" error options=targets selected=default_target id_prefix=prefix />
            <TextArea label="Message" name="message" error rows=2 id_prefix=prefix required=true
                hint="What is wrong, in a sentence: it may arrive as a text message." />
            <SubmitButton label="Send page" pending_label="Paging…" pending=open.pending().into() />
        </PostForm>
    }
}

#[component]
fn PageList(data: PagesView, acknowledge: FormAction) -> impl IntoView {
    let error = acknowledge.error();
    let can_ack = data.can_page;
    view! {
        <FormError error fields=&[] />
        {if data.rows.is_empty() {
            view! { <p class="empty-state">"No pages yet."</p> }.into_any()
        } else {
            view! {
                <ul class="catalog-list page-list">
                    {data.rows.into_iter().map(|row| view! { <PageItem row can_ack acknowledge /> }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

#[component]
fn PageItem(row: PageView, can_ack: bool, acknowledge: FormAction) -> impl IntoView {
    let escalating = row.status == PageStatus::Escalating;
    let status_class = format!("badge page-{}", row.status.as_str());
    view! {
        <li class="catalog-item">
            <div class="catalog-head">
                <span class="cell-title">{format!("{} ", row.target_name)}<span class=status_class>{row.status.label()}</span></span>
                {row.incident_id.map(|id| view! { <A href=format!("/incidents/{id}")>{crate::domain::incident::reference(id)}</A> })}
                <span>{row.message.clone()}</span>
                <span class="cell-sub">{row.opened.clone()}</span>
            </div>
            <ul class="page-steps">
                {row.steps.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}
                {(!row.next.is_empty()).then(|| view! { <li class="muted">{row.next.clone()}</li> })}
                {(!row.outcome.is_empty()).then(|| view! { <li><strong>{row.outcome.clone()}</strong></li> })}
            </ul>
            {(escalating && can_ack).then(|| view! {
                <PostForm action=acknowledge attr:class="inline-form">
                    <input type="hidden" name="page_id" value=row.id />
                    <button type="submit" class="button primary small">"Acknowledge" <span class="visually-hidden">{format!(" the page to {}", row.target_name)}</span></button>
                </PostForm>
            })}
        </li>
    }
}

/// An incident's pages, loaded by the incident page (`api::paging::incident_pages`).
pub type PagesResource = Resource<Result<PagesView, crate::errors::AppError>>;

/// The incident page's paging card: page from the incident, see its pages, acknowledge.
#[component]
pub fn PagingCard(incident_id: i64, data: PagesResource, open: FormAction, acknowledge: FormAction) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="paging-heading">
            <h2 id="paging-heading">"Paging"</h2>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading pages…"</p> }>
                {move || data.get().map(|loaded| match loaded {
                    Ok(view_data) => view! {
                        {view_data.can_page.then(|| view! {
                            <details open=view_data.rows.is_empty()>
                                <summary>"Page someone"</summary>
                                <PageForm open incident_id targets=view_data.targets.clone() default_target=view_data.default_target.clone() />
                            </details>
                        })}
                        <PageList data=view_data acknowledge />
                    }.into_any(),
                    Err(error) => view! { <AppErrorView error /> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// Deleted schedules and escalation policies that admins can still restore.
#[component]
pub fn DeletedPage() -> impl IntoView {
    let restore = FormAction::new::<RestoreDeleted>();
    crate::components::session::load_page_after(restore);
    let data = Resource::new(|| (), |_| list_deleted());
    let error = restore.error();
    view! {
        <PageTitle text="Recently deleted · On-call · Quell" />
        <RequireUser permission=crate::domain::permissions::Permission::ManageSettings>
            <h1>"Recently deleted"</h1>
            <OnCallTabs current="/on-call/deleted" />
            <p class="muted">{format!(
                "Deleted schedules and escalation policies stay here for {} days; restoring one brings back its layers, overrides and levels as they were.",
                crate::domain::paging::DELETED_KEPT_DAYS
            )}</p>
            <FormError error fields=&["kind"] />
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || data.get().map(|loaded| match loaded {
                    Ok(view_data) => view! {
                        <DeletedList title="Schedules" kind="schedule" items=view_data.schedules restore />
                        <DeletedList title="Escalation policies" kind="policy" items=view_data.policies restore />
                    }.into_any(),
                    Err(error) => view! { <AppErrorView error /> }.into_any(),
                })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn DeletedList(title: &'static str, kind: &'static str, items: Vec<DeletedItem>, restore: FormAction) -> impl IntoView {
    let heading = format!("deleted-{kind}");
    let heading_id = heading.clone();
    view! {
        <section class="card" aria-labelledby=heading>
            <h2 id=heading_id>{title}</h2>
            {if items.is_empty() {
                view! { <p class="empty-state">"Nothing deleted in the last 30 days."</p> }.into_any()
            } else {
                view! {
                    <ul class="catalog-list">
                        {items.into_iter().map(|item| view! {
                            <li class="catalog-item">
                                <div class="catalog-head">
                                    <span class="cell-title">{item.name.clone()}</span>
                                    <span class="cell-sub">{item.when.clone()}</span>
                                </div>
                                <PostForm action=restore attr:class="inline-form">
                                    <input type="hidden" name="kind" value=kind />
                                    <input type="hidden" name="id" value=item.id />
                                    <button type="submit" class="button small">"Restore" <span class="visually-hidden">{format!(" {}", item.name)}</span></button>
                                </PostForm>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
