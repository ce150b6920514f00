//! On-call: the schedules list with who is on call now and the viewer's next shift, and one
//! schedule's page (the coming fortnight drawn as a row per layer and the final schedule, its
//! hand-offs by day, layers, overrides, calendar feed). Everyone signed in reads; responders and
//! admins see the forms.

use crate::api::schedules::{
    get_schedule, list_schedules, AddOverride, Bar, CreateSchedule, DayColumn, DeleteSchedule, HandoffDay, LayerView, LegendEntry,
    RemoveLayer, RemoveOverride, RotateCalendarFeed, SaveLayer, ScheduleView, SchedulesView, Segment, UpdateSchedule,
    PARTICIPANT_FIELDS, VIEW_DAYS,
};
use crate::components::form::{ConfirmSubmit, Field, FieldMessage, FormError, SelectField, SubmitButton, TextArea};
use crate::components::layout::RequireUser;
use crate::domain::catalog::Person;
use crate::domain::schedule::{weekday_short, ScheduleLayer};
use crate::components::pagination::Pagination;
use chrono::Weekday;
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};
use crate::components::title::PageTitle;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

const LOADING: &str = "Loading…";

#[component]
pub fn OnCallPage() -> impl IntoView {
    let query = use_query_map();
    let page = Memo::new(move |_| query.with(|q| q.get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1)));
    let create = FormAction::new::<CreateSchedule>();
    let feed = FormAction::new::<RotateCalendarFeed>();
    crate::components::session::load_page_after(create);
    let data = Resource::new(move || (page.get(), feed.version().get()), |(page, _)| list_schedules(page));
    let body = crate::components::plain::PageBody::new();
    view! {
        <PageTitle text="On-call · Quell" />
        <RequireUser>
            <h1>"On-call"</h1>
            <crate::pages::paging::OnCallTabs current="/on-call" />
            <p class="muted">"Schedules decide who is on call when. Layers take turns; overrides cover for someone."</p>
            <Transition fallback=|| view! { <p class="loading" role="status">{LOADING}</p> }>
                {move || body.show(move || data.get(), |view_data| view! { <SchedulesBody data=view_data create feed /> })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn SchedulesBody(data: SchedulesView, create: FormAction, feed: FormAction) -> impl IntoView {
    let list = data.list;
    let (page, pages) = (list.page, list.pages);
    view! {
        <section class="card" aria-labelledby="my-shift-heading">
            <h2 id="my-shift-heading">"Your shifts"</h2>
            <p>{data.my_next_shift.unwrap_or_else(|| "You have no shift coming up in the next 90 days.".to_string())}</p>
        </section>
        <CalendarCard schedule_id=0 has_feed=data.has_personal_feed can_edit=true feed
            about="Subscribe in a calendar app to see your own shifts in every schedule." />
        <section class="card" aria-labelledby="schedules-heading">
            <h2 id="schedules-heading">{format!("Schedules ({})", list.total)}</h2>
            {if list.rows.is_empty() {
                view! { <p class="empty-state">"No schedules yet. Create one to say who is on call."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data-table schedules-table">
                            <thead>
                                <tr><th scope="col">"Schedule"</th><th scope="col">"On call now"</th><th scope="col">"Next hand-off"</th></tr>
                            </thead>
                            <tbody>
                                {list.rows.into_iter().map(|row| view! {
                                    <tr>
                                        <td>
                                            <A href=format!("/on-call/schedules/{}", row.schedule.id)>{row.schedule.name.clone()}</A>
                                            <span class="cell-sub">{row.schedule.time_zone.clone()}</span>
                                        </td>
                                        <td class="on-call-now">{people_list(&row.on_call, "Nobody")}</td>
                                        <td>{row.next_handoff.unwrap_or_else(|| "None in the next 90 days".to_string())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <Pagination page pages base="/on-call" />
        </section>
        {list.can_edit.then(|| view! { <NewScheduleForm create time_zones=data.time_zones zone=data.viewer_zone /> })}
    }
}

fn people_list(people: &[Person], none: &str) -> String {
    if people.is_empty() { none.to_string() } else { people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ") }
}

fn zone_options(time_zones: Vec<String>) -> Vec<(String, String)> {
    time_zones.into_iter().map(|z| (z.clone(), z)).collect()
}

#[component]
fn NewScheduleForm(create: FormAction, time_zones: Vec<String>, zone: String) -> impl IntoView {
    let error = create.error();
    view! {
        <section class="card" aria-labelledby="new-schedule-heading">
            <h2 id="new-schedule-heading">"New schedule"</h2>
            <PostForm action=create attr:class="stack-form">
                <FormError error fields=&["name", "description", "time_zone", "handoff_notice_minutes"] />
                <Field label="Name" name="name" error id_prefix="new-schedule" />
                <TextArea label="Description" name="description" error rows=2 id_prefix="new-schedule" required=false />
                <SelectField label="Time zone" name="time_zone" error options=zone_options(time_zones) selected=zone id_prefix="new-schedule"
                    hint="Hand-offs and restrictions are read in this zone." />
                <Field label="Tell people before their shift (minutes)" name="handoff_notice_minutes" kind="number" value="60" error
                    id_prefix="new-schedule" hint="0 to tell nobody." />
                <SubmitButton label="Create schedule" pending_label="Creating…" pending=create.pending().into() />
            </PostForm>
        </section>
    }
}

/// Every action on the schedule page, made once so their results outlive the data reloading.
/// The page reloads its data after a success only: after a failure the form stays as it was,
/// with the error beside the field.
#[derive(Clone, Copy)]
struct Actions {
    update: FormAction,
    delete: FormAction,
    save_layer: FormAction,
    remove_layer: FormAction,
    add_override: FormAction,
    remove_override: FormAction,
    feed: FormAction,
    /// Whether "Add a layer" and "Add an override" are open: kept here, outside the cards that
    /// redraw when the schedule changes, so a form being filled in stays open.
    add_layer_open: RwSignal<bool>,
    add_override_open: RwSignal<bool>,
}

impl Actions {
    /// Changes after every successful action, and only then.
    fn successes(&self) -> Memo<usize> {
        let memos = [
            self.update.successes(),
            self.save_layer.successes(),
            self.remove_layer.successes(),
            self.add_override.successes(),
            self.remove_override.successes(),
            self.feed.successes(),
        ];
        Memo::new(move |_| memos.iter().map(|m| m.get()).sum())
    }
}

#[component]
pub fn SchedulePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0));
    let offset = move || query.with(|q| q.get("offset").and_then(|o| o.parse::<i64>().ok()).unwrap_or(0));
    let overrides_page = move || query.with(|q| q.get("overrides").and_then(|o| o.parse::<i64>().ok()).unwrap_or(1));
    let actions = Actions {
        update: FormAction::new::<UpdateSchedule>(),
        delete: FormAction::new::<DeleteSchedule>(),
        save_layer: FormAction::new::<SaveLayer>(),
        remove_layer: FormAction::new::<RemoveLayer>(),
        add_override: FormAction::new::<AddOverride>(),
        remove_override: FormAction::new::<RemoveOverride>(),
        feed: FormAction::new::<RotateCalendarFeed>(),
        add_layer_open: RwSignal::new(false),
        add_override_open: RwSignal::new(false),
    };
    // A form that saved closes; one that failed stays open with its error.
    Effect::new(move |_| {
        if actions.save_layer.succeeded() {
            actions.add_layer_open.set(false);
        }
    });
    Effect::new(move |_| {
        if actions.add_override.succeeded() {
            actions.add_override_open.set(false);
        }
    });
    crate::components::session::load_page_after(actions.delete);
    let successes = actions.successes();
    let data = Resource::new(
        move || (id(), offset(), overrides_page(), successes.get()),
        |(id, offset, overrides_page, _)| get_schedule(id, offset, overrides_page),
    );
    let body = crate::components::plain::PageBody::new();
    view! {
        <RequireUser>
            <p><A href="/on-call">"← On-call"</A></p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading the schedule…"</p> }>
                {move || body.show(move || data.get(), |view_data| view! { <ScheduleBody data=view_data actions /> })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn ScheduleBody(data: ScheduleView, actions: Actions) -> impl IntoView {
    let schedule = data.schedule.clone();
    let base = format!("/on-call/schedules/{}", schedule.id);
    let (earlier, later) = (data.offset_days - VIEW_DAYS, data.offset_days + VIEW_DAYS);
    let data = StoredValue::new(data);
    let can_edit = data.with_value(|d| d.can_edit);
    view! {
        <PageTitle text=format!("{} · On-call · Quell", schedule.name) />
        <header class="page-head">
            <h1>{schedule.name.clone()}</h1>
            <p class="muted">{format!("Time zone: {}", schedule.time_zone)}</p>
            {(!schedule.description.is_empty()).then(|| view! { <p>{schedule.description.clone()}</p> })}
            <p class="on-call-now"><strong>"On call now: "</strong>{data.with_value(|d| people_list(&d.on_call, "nobody"))}</p>
        </header>
        <section class="card" aria-labelledby="picture-heading">
            <h2 id="picture-heading">"Who is on call"</h2>
            <p class="muted">{data.with_value(|d| format!("{}, in your time zone ({}).", d.range, d.viewer_zone))}</p>
            <nav class="pagination" aria-label="Weeks">
                <a href=format!("{base}?offset={earlier}") rel="prev">"Earlier"</a>
                {(data.with_value(|d| d.offset_days) != 0).then(|| view! { <a href=base.clone()>"Today"</a> })}
                <a href=format!("{base}?offset={later}") rel="next">"Later"</a>
            </nav>
            <SchedulePicture bars=data.with_value(|d| d.bars.clone()) days=data.with_value(|d| d.days.clone())
                now_at=data.with_value(|d| d.now_at) legend=data.with_value(|d| d.legend.clone()) />
            <Handoffs days=data.with_value(|d| d.handoff_days.clone()) not_listed=data.with_value(|d| d.handoffs_not_listed) />
        </section>
        <LayersCard data=data.get_value() actions />
        <OverridesCard data=data.get_value() actions />
        <CalendarCard schedule_id=schedule.id has_feed=data.with_value(|d| d.has_feed) can_edit feed=actions.feed
            about="Subscribe in a calendar app to see this schedule's shifts." />
        {can_edit.then(|| view! { <ScheduleSettings data=data.get_value() actions /> })}
    }
}

/// Rows are this tall (CSS pixels); shifts are drawn 4 from the top and bottom.
const ROW_HEIGHT: &str = "40";

/// A position along a row (ten-thousandths of its width) as an SVG length.
fn percent(ten_thousandths: i64) -> String {
    format!("{}%", ten_thousandths as f64 / 100.0)
}

/// The picture: a row per layer from the top (as the layers card lists them), then the final
/// schedule, over one column per day, with a line at now. Rows are SVG placed with geometry
/// attributes rather than inline styles (which the Content-Security-Policy forbids); each
/// shift is a list item, reachable by keyboard, named with its person and times. The days
/// scroll sideways inside the picture on a narrow screen while the row names stay put.
#[component]
fn SchedulePicture(bars: Vec<Bar>, days: Vec<DayColumn>, now_at: Option<i64>, legend: Vec<LegendEntry>) -> impl IntoView {
    // What the pointer or the keyboard is on, written out under the picture (once hydrated;
    // without JavaScript the tooltip and the legend say the same).
    let detail = RwSignal::new(String::new());
    let mut layers = bars;
    let final_row = (!layers.is_empty()).then(|| layers.remove(0));
    let boundaries: Vec<i64> = days.iter().skip(1).map(|d| d.left).collect();
    let anchor = |at: i64| if at < 400 { "start" } else if at > 9_600 { "end" } else { "middle" };
    view! {
        <p class="picture-scroll-hint muted">{format!("Scroll sideways for all {VIEW_DAYS} days; the row names stay in place.")}</p>
        <div class="schedule-picture">
            <div class="picture-grid">
                <div class="picture-row picture-head" aria-hidden="true">
                    <span class="picture-label"></span>
                    <div class="picture-track-head">
                        <ol class="picture-days">
                            {days.into_iter().map(|day| view! {
                                <li class=if day.today { "today" } else { "" } title=day.full>
                                    <span class="day-long">{day.label}</span>
                                    <span class="day-short">{day.narrow}</span>
                                </li>
                            }).collect_view()}
                        </ol>
                        <svg class="now-axis" width="100%" height="18">
                            {now_at.map(|at| view! {
                                <text class="now-label" x=percent(at) y="12" text-anchor=anchor(at)>"now"</text>
                                <line class="now-line" x1=percent(at) x2=percent(at) y1="14" y2="18" />
                            })}
                        </svg>
                    </div>
                </div>
                {layers.into_iter().map(|bar| view! { <PictureRow bar boundaries=boundaries.clone() now_at detail final_row=false /> }).collect_view()}
                {final_row.map(|bar| view! { <PictureRow bar boundaries=boundaries.clone() now_at detail final_row=true /> })}
            </div>
        </div>
        <p class="picture-detail" aria-hidden="true">{move || detail.get()}</p>
        {(!legend.is_empty()).then(|| view! {
            <ul class="picture-legend" aria-label="Legend">
                {legend.into_iter().map(|entry| view! {
                    <li>
                        <span class=format!("legend-initials tint-{}", entry.tint)>{entry.initials}</span>
                        " "
                        <span class="legend-name">{entry.name}</span>
                    </li>
                }).collect_view()}
            </ul>
        })}
    }
}

/// One row of the picture: its name, fixed at the left, and its shifts as a list.
#[component]
fn PictureRow(bar: Bar, boundaries: Vec<i64>, now_at: Option<i64>, detail: RwSignal<String>, final_row: bool) -> impl IntoView {
    let label = bar.label.clone();
    let empty = bar.segments.is_empty();
    view! {
        <div class=if final_row { "picture-row final" } else { "picture-row" }>
            <span class="picture-label" title=label.clone() aria-hidden="true">{label.clone()}</span>
            <svg class="picture-track" width="100%" height=ROW_HEIGHT role="list" aria-label=label>
                <rect class="track-background" width="100%" height="100%" />
                {boundaries.into_iter().map(|at| view! { <line class="day-line" x1=percent(at) x2=percent(at) y1="0" y2="100%" /> }).collect_view()}
                {final_row.then(|| view! { <line class="final-rule" x1="0" x2="100%" y1="1" y2="1" /> })}
                {bar.segments.into_iter().map(|segment| view! { <PictureSegment segment detail /> }).collect_view()}
                {empty.then(|| view! { <text class="segment-none" x="8" y="25" role="listitem">"Nobody on call"</text> })}
                {now_at.map(|at| view! { <line class="now-line" x1=percent(at) x2=percent(at) y1="0" y2="100%" /> })}
            </svg>
        </div>
    }
}

/// One shift on a row: its person's name or initials where they fit, the whole name and the
/// times as its accessible name and tooltip.
#[component]
fn PictureSegment(segment: Segment, detail: RwSignal<String>) -> impl IntoView {
    let described = format!("{}: {}", segment.name, segment.span);
    let (on_focus, on_enter, tooltip) = (described.clone(), described.clone(), described.clone());
    // A person added on top of whoever is on call is drawn in the lower half, over them.
    let (y, height, baseline) = if segment.stacked { ("21", "16", "33") } else { ("4", "32", "24") };
    view! {
        <g class=format!("segment tint-{}", segment.tint) role="listitem" tabindex="0" aria-label=described
            on:focus=move |_| detail.set(on_focus.clone())
            on:blur=move |_| detail.set(String::new())
            on:mouseenter=move |_| detail.set(on_enter.clone())
            on:mouseleave=move |_| detail.set(String::new())>
            <svg x=percent(segment.left) width=percent(segment.width) height="100%" aria-hidden="true">
                <rect class="segment-shape" y=y width="100%" height=height rx="3"><title>{tooltip}</title></rect>
                <text class="segment-text" x="6" y=baseline>{segment.text}</text>
            </svg>
        </g>
    }
}

/// The final schedule's hand-offs in the view, under a heading per day in the viewer's zone.
#[component]
fn Handoffs(days: Vec<HandoffDay>, not_listed: i64) -> impl IntoView {
    view! {
        <h3>"Hand-offs"</h3>
        {if days.is_empty() {
            view! { <p class="empty-state">"No hand-offs in these two weeks."</p> }.into_any()
        } else {
            view! {
                <ol class="handoff-days">
                    {days.into_iter().map(|day| view! {
                        <li class="handoff-day">
                            <h4>{day.heading}</h4>
                            <ul class="handoff-list">
                                {day.handoffs.into_iter().map(|h| {
                                    let what = match &h.from {
                                        Some(from) => format!("{} takes over from {from}", h.who),
                                        None => format!("{} comes on call", h.who),
                                    };
                                    view! {
                                        <li class="handoff">
                                            <span class="handoff-time">{h.at}</span>
                                            " "
                                            <span class=format!("legend-initials tint-{}", h.tint) aria-hidden="true">{h.initials}</span>
                                            " "
                                            <span>{what}</span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </li>
                    }).collect_view()}
                </ol>
            }.into_any()
        }}
        {(not_listed > 0).then(|| view! {
            <p class="muted">{format!("{not_listed} more hand-offs in these two weeks are not listed; the calendar feed has them all.")}</p>
        })}
    }
}

#[component]
fn LayersCard(data: ScheduleView, actions: Actions) -> impl IntoView {
    let error = actions.remove_layer.error();
    let people = data.people.clone();
    let revision = data.schedule.revision;
    let schedule_id = data.schedule.id;
    let save_error = actions.save_layer.error();
    view! {
        <section class="card" aria-labelledby="layers-heading">
            <h2 id="layers-heading">"Layers"</h2>
            <p class="muted">"A higher layer covers lower ones wherever it has someone on call."</p>
            <FormError error fields=&[] />
            // A layer form's error, also here where it is seen when the form is folded away
            // (after a page load without JavaScript).
            <FormError error=save_error fields=&[] />
            {if data.layers.is_empty() {
                view! { <p class="empty-state">"No layers yet: add one to start a rotation."</p> }.into_any()
            } else {
                view! {
                    <ol class="layer-list">
                        {data.layers.into_iter().map(|layer| view! {
                            <LayerItem layer can_edit=data.can_edit people=people.clone() revision actions />
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            {data.can_edit.then(|| view! {
                <details open=move || actions.add_layer_open.get() || save_error.get().is_some()
                    on:toggle=move |ev| actions.add_layer_open.set(event_target::<leptos::web_sys::HtmlDetailsElement>(&ev).open())>
                    <summary>"Add a layer"</summary>
                    <LayerForm action=actions.save_layer schedule_id revision people=people.clone() layer=None prefix="new-layer".to_string() />
                </details>
            })}
        </section>
    }
}

#[component]
fn LayerItem(layer: LayerView, can_edit: bool, people: Vec<Person>, revision: i64, actions: Actions) -> impl IntoView {
    let stored = layer.layer.clone();
    view! {
        <li class="catalog-item">
            <div class="catalog-head">
                <span class="cell-title">{layer.layer.name.clone()}</span>
                <span class="cell-sub">{layer.rule.clone()}</span>
                <span>{format!("Turns: {}", people_list(&layer.people, "nobody"))}</span>
                {layer.restrictions.iter().map(|r| view! { <span class="cell-sub">{format!("Active only: {r}")}</span> }).collect_view()}
            </div>
            {can_edit.then(|| {
                let prefix = format!("layer-{}", stored.id);
                view! {
                    <details>
                        <summary>"Edit" <span class="visually-hidden">{format!(" {}", stored.name)}</span></summary>
                        <LayerForm action=actions.save_layer schedule_id=stored.schedule_id revision people layer=Some(stored.clone()) prefix />
                    </details>
                    <PostForm action=actions.remove_layer attr:class="inline-form">
                        <input type="hidden" name="schedule_id" value=stored.schedule_id />
                        <input type="hidden" name="layer_id" value=stored.id />
                        <input type="hidden" name="revision" value=revision />
                        <ConfirmSubmit label="Remove layer" subject=stored.name.clone() small=true
                            consequence=format!("{} stops putting people on call; who is on call changes at once.", stored.name)
                            confirm=format!("Remove {}", stored.name) />
                    </PostForm>
                }
            })}
        </li>
    }
}

/// The add or edit form of a layer: people in turn order, the shift, the hand-off, the start and
/// an optional restriction to some days and hours.
#[component]
fn LayerForm(
    action: FormAction,
    schedule_id: i64,
    revision: i64,
    people: Vec<Person>,
    layer: Option<ScheduleLayer>,
    prefix: String,
) -> impl IntoView {
    let error = action.error();
    let rule = layer.as_ref().map(|l| l.layer.clone());
    let chosen: Vec<i64> = rule.as_ref().map(|r| r.participants.clone()).unwrap_or_default();
    let restriction = rule.as_ref().and_then(|r| r.restrictions.first().cloned());
    let (count, unit) = rule.as_ref().map(|r| (r.shift.count().to_string(), r.shift.unit().to_string())).unwrap_or(("1".into(), "weeks".into()));
    let handoff = rule.as_ref().map(|r| r.handoff.format("%H:%M").to_string()).unwrap_or_else(|| "09:00".into());
    let start = rule.as_ref().map(|r| r.start_date.format("%Y-%m-%d").to_string()).unwrap_or_default();
    let label = if layer.is_some() { "Save layer" } else { "Add layer" };
    // The add form empties after each layer added; an edit form keeps the layer's values.
    let form = if layer.is_none() { action.reset_after_success() } else { NodeRef::new() };
    let units = vec![("hours".to_string(), "Hours".to_string()), ("days".to_string(), "Days".to_string()), ("weeks".to_string(), "Weeks".to_string())];
    view! {
        <PostForm action node_ref=form attr:class="stack-form layer-form">
            <FormError error fields=&["name", "participants", "shift_count", "shift_unit", "handoff_time", "start_date", "weekdays", "active_from", "active_to"] />
            <input type="hidden" name="schedule_id" value=schedule_id />
            <input type="hidden" name="revision" value=revision />
            {layer.as_ref().map(|l| view! { <input type="hidden" name="layer_id" value=l.id /> })}
            <Field label="Layer name" name="name" value=layer.as_ref().map(|l| l.name.clone()).unwrap_or_else(|| "Primary".into()) error id_prefix=prefix.clone() />
            <fieldset class="field participants">
                <legend>"People, in turn order"</legend>
                {(0..PARTICIPANT_FIELDS).map(|n| {
                    let id = format!("{prefix}-participant-{n}");
                    let current = chosen.get(n).copied().unwrap_or(0);
                    view! {
                        <div class="field inline-field">
                            <label for=id.clone()>{format!("Person {}", n + 1)}</label>
                            <select id=id name=format!("participants[{n}]")>
                                <option value="0" selected=current == 0>"—"</option>
                                {people.iter().map(|p| view! { <option value=p.id selected=current == p.id>{p.name.clone()}</option> }).collect_view()}
                            </select>
                        </div>
                    }
                }).collect_view()}
                <FieldMessage error field="participants" />
            </fieldset>
            <div class="field-row">
                <Field label="Shift length" name="shift_count" kind="number" value=count error id_prefix=prefix.clone() />
                <SelectField label="Unit" name="shift_unit" error options=units selected=unit id_prefix=prefix.clone() />
            </div>
            <div class="field-row">
                <Field label="Hand-off time" name="handoff_time" kind="time" value=handoff error id_prefix=prefix.clone() />
                <Field label="First shift starts on" name="start_date" kind="date" value=start error id_prefix=prefix.clone() />
            </div>
            <fieldset class="field restriction">
                <legend>"Active only on (leave empty for all the time)"</legend>
                <div class="check-grid">
                    {[Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun].into_iter().enumerate().map(|(n, day)| {
                        let id = format!("{prefix}-day-{n}");
                        let checked = restriction.as_ref().is_some_and(|r| r.weekdays.contains(&day));
                        view! {
                            <span class="check-option">
                                <input type="checkbox" id=id.clone() name=format!("weekdays[{n}]") value=weekday_short(day) checked=checked />
                                <label for=id>{weekday_short(day)}</label>
                            </span>
                        }
                    }).collect_view()}
                </div>
                <FieldMessage error field="weekdays" />
                <div class="field-row">
                    <Field label="From" name="active_from" kind="time" required=false
                        value=restriction.as_ref().map(|r| r.start.format("%H:%M").to_string()).unwrap_or_default() error id_prefix=prefix.clone() />
                    <Field label="Until" name="active_to" kind="time" required=false
                        value=restriction.as_ref().map(|r| r.end.format("%H:%M").to_string()).unwrap_or_default() error id_prefix=prefix.clone() />
                </div>
            </fieldset>
            <SubmitButton label pending_label="Saving…" pending=action.pending().into() />
        </PostForm>
    }
}

#[component]
fn OverridesCard(data: ScheduleView, actions: Actions) -> impl IntoView {
    let add_error = actions.add_override.error();
    let remove_error = actions.remove_override.error();
    let schedule_id = data.schedule.id;
    let list = data.overrides;
    let people: Vec<(String, String)> = data.people.iter().map(|p| (p.id.to_string(), p.name.clone())).collect();
    let (input_now, input_later) = (data.input_now.clone(), data.input_later.clone());
    let add_form = data.can_edit.then(|| {
        let form = actions.add_override.reset_after_success();
        {
            let covering: Vec<(String, String)> =
                std::iter::once(("0".to_string(), "Whoever is on call".to_string())).chain(people.iter().cloned()).collect();
            let kinds = vec![("cover".to_string(), "Cover (instead of)".to_string()), ("add".to_string(), "Add (as well as)".to_string())];
            let who = people.clone();
            let (starts, ends) = (input_now.clone(), input_later.clone());
            view! {
                <details open=move || actions.add_override_open.get() || add_error.get().is_some()
                    on:toggle=move |ev| actions.add_override_open.set(event_target::<leptos::web_sys::HtmlDetailsElement>(&ev).open())>
                    <summary>"Add an override"</summary>
                    <PostForm action=actions.add_override node_ref=form attr:class="stack-form">
                        <FormError error=add_error fields=&["user_id", "kind", "covering_for", "starts", "ends"] />
                        <input type="hidden" name="schedule_id" value=schedule_id />
                        <SelectField label="Who is on call" name="user_id" error=add_error options=who id_prefix="override" />
                        <SelectField label="How" name="kind" error=add_error options=kinds id_prefix="override" />
                        <SelectField label="Covering for" name="covering_for" error=add_error options=covering id_prefix="override" />
                        <Field label="From" name="starts" kind="datetime-local" value=starts error=add_error id_prefix="override" />
                        <Field label="Until" name="ends" kind="datetime-local" value=ends error=add_error id_prefix="override" />
                        <SubmitButton label="Add override" pending_label="Adding…" pending=actions.add_override.pending().into() />
                    </PostForm>
                </details>
            }
        }
    });
    view! {
        <section class="card" aria-labelledby="overrides-heading">
            <h2 id="overrides-heading">"Overrides"</h2>
            <FormError error=remove_error fields=&[] />
            {if list.rows.is_empty() {
                view! { <p class="empty-state">"No overrides now or coming."</p> }.into_any()
            } else {
                view! {
                    <ul class="override-list">
                        {list.rows.into_iter().map(|o| view! {
                            <li class="catalog-item">
                                <div class="catalog-head">
                                    <span class="cell-title">{o.what.clone()}</span>
                                    <span class="cell-sub">{o.span.clone()}</span>
                                </div>
                                {list.can_edit.then(|| view! {
                                    <PostForm action=actions.remove_override attr:class="inline-form">
                                        <input type="hidden" name="schedule_id" value=schedule_id />
                                        <input type="hidden" name="override_id" value=o.id />
                                        <ConfirmSubmit label="Remove override" subject=o.what.clone() small=true
                                            consequence=format!("{} ({}) ends: the rotation decides again.", o.what, o.span)
                                            confirm="Remove the override" />
                                    </PostForm>
                                })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(list.pages > 1).then(|| view! {
                <nav class="pagination" aria-label="Overrides pages">
                    {(list.page > 1).then(|| view! { <a href=format!("/on-call/schedules/{schedule_id}?overrides={}", list.page - 1)>"Previous"</a> })}
                    <span>{format!("Page {} of {}", list.page, list.pages)}</span>
                    {(list.page < list.pages).then(|| view! { <a href=format!("/on-call/schedules/{schedule_id}?overrides={}", list.page + 1)>"Next"</a> })}
                </nav>
            })}
            {add_form}
        </section>
    }
}

#[component]
fn CalendarCard(schedule_id: i64, has_feed: bool, can_edit: bool, feed: FormAction, about: &'static str) -> impl IntoView {
    let error = feed.error();
    let address = move || feed.output::<String>();
    view! {
        <section class="card" aria-labelledby="calendar-heading">
            <h2 id="calendar-heading">"Calendar"</h2>
            <p class="muted">{about}" The address is secret: anyone who has it can read the shifts."</p>
            {move || address().map(|url| view! {
                <div class="field">
                    <label for="calendar-address">"Calendar address (shown once; copy it now)"</label>
                    <input id="calendar-address" type="text" readonly value=url />
                </div>
            })}
            <FormError error fields=&[] />
            {can_edit.then(|| view! {
                <PostForm action=feed attr:class="inline-form">
                    <input type="hidden" name="schedule_id" value=schedule_id />
                    <button type="submit" class="button">{if has_feed { "Make a new calendar address (the old one stops working)" } else { "Create a calendar address" }}</button>
                </PostForm>
            })}
        </section>
    }
}

#[component]
fn ScheduleSettings(data: ScheduleView, actions: Actions) -> impl IntoView {
    let error = actions.update.error();
    let delete_error = actions.delete.error();
    let schedule = data.schedule;
    let delete_consequence = format!(
        "{} is deleted with its layers and overrides, and its calendar address stops working. An escalation policy that pages it must be changed first.",
        schedule.name
    );
    let delete_confirm = format!("Delete {}", schedule.name);
    view! {
        <section class="card" aria-labelledby="schedule-settings-heading">
            <h2 id="schedule-settings-heading">"Schedule settings"</h2>
            <PostForm action=actions.update attr:class="stack-form">
                <FormError error fields=&["name", "description", "time_zone", "handoff_notice_minutes"] />
                <input type="hidden" name="id" value=schedule.id />
                <input type="hidden" name="revision" value=schedule.revision />
                <Field label="Name" name="name" value=schedule.name.clone() error id_prefix="schedule" />
                <TextArea label="Description" name="description" value=schedule.description.clone() error rows=2 id_prefix="schedule" required=false />
                <SelectField label="Time zone" name="time_zone" error options=zone_options(data.time_zones) selected=schedule.time_zone.clone() id_prefix="schedule" />
                <Field label="Tell people before their shift (minutes)" name="handoff_notice_minutes" kind="number"
                    value=schedule.handoff_notice_minutes.to_string() error id_prefix="schedule" />
                <SubmitButton label="Save schedule" pending_label="Saving…" pending=actions.update.pending().into() />
            </PostForm>
            <PostForm action=actions.delete attr:class="inline-form">
                <FormError error=delete_error fields=&[] />
                <input type="hidden" name="id" value=schedule.id />
                <input type="hidden" name="revision" value=schedule.revision />
                <ConfirmSubmit label="Delete schedule" consequence=delete_consequence confirm=delete_confirm />
            </PostForm>
        </section>
    }
}
