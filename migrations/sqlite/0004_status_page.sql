-- a public service appears on the status page as a component
alter table services add column public integer not null default 0 check (public in (0, 1));

-- how long an open incident of this severity may go without a stakeholder update before the
-- communications lead is reminded (minutes); null: never
alter table severities add column update_interval_minutes integer check (update_interval_minutes > 0);
update severities set update_interval_minutes = 30 where name = 'SEV1';
update severities set update_interval_minutes = 60 where name = 'SEV2';
update severities set update_interval_minutes = 120 where name = 'SEV3';

-- the role whose holder is reminded to send updates (at most one)
alter table role_types add column is_communications integer not null default 0 check (is_communications in (0, 1));
update role_types set is_communications = 1 where name = 'Communications Lead';
create unique index role_types_communications_key on role_types (is_communications) where is_communications;

-- messages from an incident to an audience: internal (stakeholders), public (status page) or both
create table updates (
    id integer primary key,
    incident_id integer not null references incidents (id),
    -- the incident's status when the update went out
    status text not null check (status in ('triage', 'investigating', 'identified', 'monitoring', 'resolved', 'closed', 'declined', 'merged')),
    is_internal integer not null check (is_internal in (0, 1)),
    is_public integer not null check (is_public in (0, 1)),
    -- the incident's name as the public sees it (public updates only)
    public_title text not null default '',
    body text not null,
    body_html text not null,
    author_id integer not null references users (id),
    published_at text not null,
    check (is_internal or is_public)
);
create index updates_incident_idx on updates (incident_id, published_at, id);
-- the status page's incidents and history
create index updates_public_idx on updates (incident_id, published_at, id) where is_public;
-- the feed of public updates, newest first
create index updates_feed_idx on updates (published_at, id) where is_public;

-- every change of a component's state, newest last; the latest is the component's state
create table component_states (
    id integer primary key,
    service_id integer not null references services (id),
    state text not null check (state in ('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance')),
    -- the public update that set it, if one did
    update_id integer references updates (id),
    changed_at text not null
);
create index component_states_service_idx on component_states (service_id, changed_at, id);

-- the text that pre-fills an update, per incident status; admins edit it
create table update_templates (
    status text primary key check (status in ('investigating', 'identified', 'monitoring', 'resolved')),
    body text not null,
    revision integer not null default 1,
    updated_at text not null
);
insert into update_templates (status, body, updated_at) values
    ('investigating', 'We are investigating reports of problems with our service. We will post another update as soon as we know more.', '2026-01-01T00:00:00+00:00'),
    ('identified', 'We have identified the cause and are working on a fix.', '2026-01-01T00:00:00+00:00'),
    ('monitoring', 'A fix has been put in place and we are monitoring the results.', '2026-01-01T00:00:00+00:00'),
    ('resolved', 'This incident has been resolved. Thank you for your patience.', '2026-01-01T00:00:00+00:00');

-- planned work on components, shown on the status page; "under maintenance" while it runs
create table maintenance_windows (
    id integer primary key,
    title text not null,
    message text not null default '',
    message_html text not null default '',
    starts_at text not null,
    ends_at text not null,
    cancelled_at text,
    created_by integer not null references users (id),
    revision integer not null default 1,
    created_at text not null,
    updated_at text not null,
    check (ends_at > starts_at)
);
create index maintenance_windows_ends_idx on maintenance_windows (ends_at, starts_at);

-- which components a maintenance window covers
create table maintenance_components (
    maintenance_id integer not null references maintenance_windows (id),
    service_id integer not null references services (id),
    primary key (maintenance_id, service_id)
);
create index maintenance_components_service_idx on maintenance_components (service_id, maintenance_id);

-- how the public status page looks: one row
create table status_page_settings (
    id integer primary key check (id = 1),
    title text not null,
    logo_text text not null,
    accent_color text not null,
    revision integer not null default 1,
    updated_at text not null
);
insert into status_page_settings (id, title, logo_text, accent_color, updated_at)
    values (1, 'System status', 'Status', '#2563eb', '2026-01-01T00:00:00+00:00');
