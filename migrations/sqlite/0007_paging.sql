-- escalation policies: who is paged, level after level, until someone acknowledges
create table escalation_policies (
    id integer primary key,
    name text not null,
    description text not null default '',
    -- how many times the levels run again after the last one
    repeats integer not null default 0 check (repeats between 0 and 9),
    revision integer not null default 1,
    created_at text not null,
    updated_at text not null
);
create unique index escalation_policies_name_key on escalation_policies (lower(name));

-- the levels of a policy, in order, each with the minutes it waits before the next
create table escalation_levels (
    policy_id integer not null references escalation_policies (id) on delete cascade,
    position integer not null,
    delay_minutes integer not null check (delay_minutes between 1 and 1440),
    primary key (policy_id, position)
);

-- who a level pages: a person, or whoever is on call on a schedule (a schedule a policy pages
-- can't be deleted)
create table escalation_targets (
    policy_id integer not null references escalation_policies (id) on delete cascade,
    level integer not null,
    position integer not null,
    user_id integer references users (id),
    schedule_id integer references schedules (id),
    check ((user_id is null) <> (schedule_id is null)),
    primary key (policy_id, level, position)
);
create index escalation_targets_schedule_idx on escalation_targets (schedule_id);
create index escalation_targets_user_idx on escalation_targets (user_id);

-- the policy that pages for a service
alter table services add column escalation_policy_id integer references escalation_policies (id);
create index services_escalation_policy_idx on services (escalation_policy_id);

-- pages: requests for attention, escalated until acknowledged; the policy's levels are copied
-- into plan (json) when the page opens, so later edits of the policy don't change it
create table pages (
    id integer primary key,
    incident_id integer references incidents (id),
    -- what was paged, as it was named then ("Payments on-call", "Ada Lovelace")
    target_name text not null,
    plan text not null,
    message text not null,
    status text not null check (status in ('escalating', 'acknowledged', 'stopped', 'unanswered')),
    -- the next step to take and when; a step is claimed by moving step on, so it runs once
    step integer not null default 0,
    next_step_at text,
    created_by integer not null references users (id),
    created_at text not null,
    acknowledged_by integer references users (id),
    acknowledged_at text,
    ended_at text
);
create index pages_due_idx on pages (next_step_at) where status = 'escalating';
create index pages_incident_idx on pages (incident_id, id);

-- who each step paged, with the one-time acknowledgement link sent to them (only its hash)
create table page_recipients (
    id integer primary key,
    page_id integer not null references pages (id) on delete cascade,
    step integer not null,
    user_id integer not null references users (id),
    -- how many contact methods the page went to (0: the person has none)
    methods integer not null,
    token_hash text not null,
    expires_at text not null,
    used_at text,
    created_at text not null
);
create unique index page_recipients_token_key on page_recipients (token_hash);
create index page_recipients_page_idx on page_recipients (page_id, step, id);
create index page_recipients_user_idx on page_recipients (user_id, page_id);
