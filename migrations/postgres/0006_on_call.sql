-- how one person is reached: an email address, or an HTTP endpoint (a webhook, or an SMS or
-- voice provider's API) whose URL is a template filled with the message
create table contact_methods (
    id bigint generated always as identity primary key,
    user_id bigint not null references users (id),
    kind text not null check (kind in ('email', 'webhook')),
    label text not null,
    -- the email address, or the URL template ({message}, {phone} …)
    target text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index contact_methods_user_idx on contact_methods (user_id, id);

-- on-call schedules: who is on call when, worked out in one time zone
create table schedules (
    id bigint generated always as identity primary key,
    name text not null,
    description text not null default '',
    -- an IANA zone name, e.g. Europe/Berlin
    time_zone text not null,
    -- how long before a shift starts its person is told, in minutes (0: not told)
    handoff_notice_minutes bigint not null default 60 check (handoff_notice_minutes between 0 and 10080),
    revision bigint not null default 1,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create unique index schedules_name_key on schedules (lower(name));

-- rotation layers; a layer with a higher position overrides lower ones where it has someone on call
create table schedule_layers (
    id bigint generated always as identity primary key,
    schedule_id bigint not null references schedules (id) on delete cascade,
    position bigint not null,
    name text not null,
    shift_unit text not null check (shift_unit in ('hours', 'days', 'weeks')),
    shift_count bigint not null check (shift_count between 1 and 1000),
    -- the local time of each hand-off, HH:MM
    handoff_time text not null,
    -- the local date of the first shift, YYYY-MM-DD
    start_date text not null,
    -- json list of {weekdays, start, end} in local time; empty: active all the time
    restrictions text not null default '[]',
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create unique index schedule_layers_position_key on schedule_layers (schedule_id, position);

-- the people of a layer, in turn order (one person may appear more than once)
create table schedule_layer_participants (
    layer_id bigint not null references schedule_layers (id) on delete cascade,
    position bigint not null,
    user_id bigint not null references users (id),
    primary key (layer_id, position)
);
create index schedule_layer_participants_user_idx on schedule_layer_participants (user_id);

-- someone on call instead of whoever the layers say (cover; only for covering_for when set) or beside them (add)
create table schedule_overrides (
    id bigint generated always as identity primary key,
    schedule_id bigint not null references schedules (id) on delete cascade,
    user_id bigint not null references users (id),
    kind text not null check (kind in ('cover', 'add')),
    covering_for bigint references users (id),
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    created_by bigint not null references users (id),
    created_at timestamptz not null
);
create index schedule_overrides_range_idx on schedule_overrides (schedule_id, ends_at, starts_at);

-- secret calendar feed addresses, one per schedule and one per person; only a hash of the token is kept
create table calendar_feeds (
    id bigint generated always as identity primary key,
    schedule_id bigint references schedules (id) on delete cascade,
    user_id bigint references users (id),
    token_hash text not null,
    created_at timestamptz not null,
    check ((schedule_id is null) <> (user_id is null))
);
create unique index calendar_feeds_token_key on calendar_feeds (token_hash);
create unique index calendar_feeds_schedule_key on calendar_feeds (schedule_id) where schedule_id is not null;
create unique index calendar_feeds_user_key on calendar_feeds (user_id) where user_id is not null;

-- hand-off notices already queued, so each shift is announced once across restarts and instances
create table handoff_notices (
    schedule_id bigint not null references schedules (id) on delete cascade,
    user_id bigint not null references users (id),
    shift_start timestamptz not null,
    created_at timestamptz not null,
    primary key (schedule_id, user_id, shift_start)
);
