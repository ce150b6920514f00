-- people who can sign in; email is stored lower-cased and unique
create table users (
    id integer primary key,
    email text not null,
    display_name text not null,
    time_zone text not null default 'UTC',
    role text not null check (role in ('admin', 'responder', 'viewer')),
    active integer not null default 1 check (active in (0, 1)),
    password_hash text not null,
    -- bumped whenever existing sessions must end (deactivation, password change)
    auth_version integer not null default 1,
    -- bumped on every edit, so concurrent edits are detected instead of overwritten
    revision integer not null default 1,
    last_login_at text,
    created_at text not null,
    updated_at text not null
);
create unique index users_email_key on users (lower(email));
create index users_role_active_idx on users (role, active);

-- server-side sessions (tower-sessions record format)
create table sessions (
    id text primary key not null,
    data blob not null,
    expiry_date integer not null
);
create index sessions_expiry_date_idx on sessions (expiry_date);

-- failed sign-in counters per account or client; times are unix seconds so both databases compare them alike
create table login_attempts (
    key text primary key not null,
    failures integer not null,
    window_started_at_unix integer not null,
    locked_until_unix integer,
    created_at text not null,
    updated_at text not null
);
create index login_attempts_window_idx on login_attempts (window_started_at_unix);

-- one row once the first administrator exists; its primary key makes first-run setup happen once, even under a race
create table setup_state (
    id integer primary key check (id = 1),
    first_admin_id integer not null references users (id),
    completed_at text not null
);
