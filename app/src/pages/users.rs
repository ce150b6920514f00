//! User administration: add people, change roles, reset a forgotten password, deactivate
//! accounts (admins only).

use crate::api::users::{list_users, ChangeUserRole, CreateUser, SetUserActive, UserList, UserRow};
use crate::components::errors::AppErrorView;
use crate::components::form::{ConfirmSubmit, Field, FormError, SelectField, SubmitButton};
use crate::components::layout::RequireUser;
use crate::components::pagination::Pagination;
use crate::domain::permissions::{OrgRole, Permission};
use leptos::prelude::*;
use crate::components::post_form::{FormAction, PostForm};
use crate::components::title::PageTitle;
use leptos_router::hooks::use_query_map;

fn role_options() -> Vec<(String, String)> {
    OrgRole::ALL.iter().map(|role| (role.as_str().to_string(), role.label().to_string())).collect()
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || query.with(|q| q.get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1));
    let create = FormAction::new::<CreateUser>();
    let change_role = FormAction::new::<ChangeUserRole>();
    let set_active = FormAction::new::<SetUserActive>();
    let list = Resource::new(
        move || (page(), create.version().get(), change_role.version().get(), set_active.version().get()),
        |(page, ..)| list_users(page),
    );
    let row_error = Signal::derive(move || {
        change_role.error().get().or_else(|| set_active.error().get()).map(|err| err.to_string())
    });
    view! {
        <PageTitle text="Users · Quell" />
        <RequireUser permission=Permission::ManageUsers>
            <p><a href="/settings">"← Settings"</a></p>
            <h1>"Users"</h1>
            <CreateUserForm create />
            <section aria-labelledby="people-title">
                <h2 id="people-title">"People"</h2>
                <Show when=move || row_error.get().is_some()>
                    <div class="form-error" role="alert">{move || row_error.get()}</div>
                </Show>
                <Transition fallback=|| view! { <p class="loading" role="status">"Loading people…"</p> }>
                    {move || {
                        list.get()
                            .map(|loaded| match loaded {
                                Ok(list) => {
                                    let people: Vec<(String, String)> = list
                                        .rows
                                        .iter()
                                        .map(|row| (row.user.id.to_string(), format!("{} ({})", row.user.display_name, row.user.email)))
                                        .collect();
                                    view! {
                                        <UsersTable list change_role set_active />
                                        <ResetPasswordForm people />
                                    }
                                    .into_any()
                                }
                                Err(error) => view! { <AppErrorView error /> }.into_any(),
                            })
                    }}
                </Transition>
            </section>
        </RequireUser>
    }
}

#[component]
fn CreateUserForm(create: FormAction) -> impl IntoView {
    let error = create.error();
    // The form is drawn anew after each success, which empties it for the next person.
    let created = RwSignal::new(0u32);
    let last_created = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(user) = create.output::<crate::domain::account::User>() {
            last_created.set(Some(user.display_name));
            created.update(|n| *n += 1);
        }
    });
    view! {
        <section class="card" aria-labelledby="add-person-title">
            <h2 id="add-person-title">"Add a person"</h2>
            <p class="muted">
                "Choose a temporary password and give it to them; they can change it on their profile page."
            </p>
            <Show when=move || last_created.get().is_some()>
                <p class="form-success" role="status">
                    {move || last_created.get()} " can now sign in with the temporary password."
                </p>
            </Show>
            {move || {
                created.get();
                view! {
                    <PostForm action=create attr:class="grid-form">
                        <FormError error fields=&["email", "display_name", "role", "password"] />
                        <Field label="Email" name="email" kind="email" autocomplete="off" error id_prefix="new" />
                        <Field label="Name" name="display_name" autocomplete="off" error id_prefix="new" />
                        <SelectField label="Role" name="role" error options=role_options() selected="responder" id_prefix="new" />
                        <Field
                            label="Temporary password"
                            name="password"
                            kind="password"
                            autocomplete="new-password"
                            hint="At least 12 characters."
                            error
                            id_prefix="new"
                        />
                        <SubmitButton label="Add person" pending_label="Adding…" pending=create.pending().into() />
                    </PostForm>
                }
            }}
        </section>
    }
}

/// Makes a one-time reset link for someone on this page of the list. A plain form: the server
/// answers with a page that shows the link once (with or without JavaScript).
#[component]
fn ResetPasswordForm(people: Vec<(String, String)>) -> impl IntoView {
    let mut options = vec![("0".to_string(), "Choose a person".to_string())];
    options.extend(people);
    view! {
        <section class="card" aria-labelledby="reset-password-title">
            <h2 id="reset-password-title">"Reset a password"</h2>
            <p class="muted">
                "For someone who forgot theirs: make a one-time link and pass it on. It works once, for 24 hours; choosing a new password through it signs them out everywhere."
            </p>
            <form method="post" action="/settings/users/reset-link" class="grid-form">
                <SelectField label="Person" name="user_id" error=Signal::stored(None) options id_prefix="reset" />
                <button type="submit" class="button primary">"Make a reset link"</button>
            </form>
        </section>
    }
}

#[component]
fn UsersTable(
    list: UserList,
    change_role: FormAction,
    set_active: FormAction,
) -> impl IntoView {
    let UserList { rows, page, pages, total, viewer_id } = list;
    if rows.is_empty() {
        return view! {
            <div class="card empty-state">
                <p class="empty-title">"Nobody on this page"</p>
                <p><a href="/settings/users">"Back to the first page"</a></p>
            </div>
        }
        .into_any();
    }
    view! {
        <p class="muted">{format!("{total} {}", if total == 1 { "person" } else { "people" })}</p>
        <div class="table-wrap">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Last sign-in"</th>
                        <th scope="col">"Added"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|row| {
                            let is_self = row.user.id == viewer_id;
                            view! { <UserTableRow row is_self change_role set_active /> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <Pagination page pages base="/settings/users" />
    }
    .into_any()
}

#[component]
fn UserTableRow(
    row: UserRow,
    is_self: bool,
    change_role: FormAction,
    set_active: FormAction,
) -> impl IntoView {
    let UserRow { user, last_login, created } = row;
    let role_id = format!("role-{}", user.id);
    let name = user.display_name.clone();
    view! {
        <tr class:inactive=!user.active>
            <th scope="row">
                <span class="cell-title">{user.display_name.clone()}</span>
                <span class="cell-sub">{user.email.clone()}</span>
                {is_self.then(|| view! { <span class="cell-sub">"(you)"</span> })}
            </th>
            <td>
                <PostForm action=change_role attr:class="inline-form">
                    <input type="hidden" name="user_id" value=user.id />
                    <input type="hidden" name="revision" value=user.revision />
                    <label class="visually-hidden" for=role_id.clone()>{format!("Role for {name}")}</label>
                    <select id=role_id name="role">
                        {OrgRole::ALL
                            .into_iter()
                            .map(|role| view! { <option value=role.as_str() selected=role == user.role>{role.label()}</option> })
                            .collect_view()}
                    </select>
                    <button type="submit" class="button small">
                        "Save" <span class="visually-hidden">{format!(" role for {name}")}</span>
                    </button>
                </PostForm>
            </td>
            <td>
                <span class=if user.active { "status active" } else { "status inactive" }>
                    {if user.active { "Active" } else { "Deactivated" }}
                </span>
                {(!is_self)
                    .then(|| {
                        let verb = if user.active { "Deactivate" } else { "Reactivate" };
                        view! {
                            <PostForm action=set_active attr:class="inline-form">
                                <input type="hidden" name="user_id" value=user.id />
                                <input type="hidden" name="revision" value=user.revision />
                                <input type="hidden" name="active" value=(!user.active).to_string() />
                                {if user.active {
                                    view! {
                                        <ConfirmSubmit label="Deactivate" subject=user.display_name.clone() small=true
                                            consequence=format!("{} is signed out everywhere, can't sign in, and is no longer paged or put on call. You can reactivate them later.", user.display_name)
                                            confirm=format!("Deactivate {}", user.display_name) />
                                    }.into_any()
                                } else {
                                    view! {
                                        <button type="submit" class="button small">
                                            {verb} <span class="visually-hidden">{format!(" {}", user.display_name)}</span>
                                        </button>
                                    }.into_any()
                                }}
                            </PostForm>
                        }
                    })}
            </td>
            <td>{last_login.unwrap_or_else(|| "Never".to_string())}</td>
            <td>{created}</td>
        </tr>
    }
}
