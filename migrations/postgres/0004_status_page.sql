-- a public service appears on the status page as a component
alter table services add column public boolean not null default false;

-- how long an open incident of this severity may go without a stakeholder update before the
-- communications lead is reminded (minutes); null: never
alter table severities add column update_interval_minutes bigint check (update_interval_minutes > 0);
update severities set update_interval_minutes = 30 where name = 'SEV1';
update severities set update_interval_minutes = 60 where name = 'SEV2';
update severities set update_interval_minutes = 120 where name = 'SEV3';

-- the role whose holder is reminded to send updates (at most one)
alter table role_types add column is_communications boolean not null default false;
update role_types set is_communications = true where name = 'Communications Lead';
create unique index role_types_communications_key on role_types (is_communications) where is_communications;

-- messages from an incident to an audience: internal (stakeholders), public (status page) or both
create table updates (
    id bigint generated always as identity primary key,
    incident_id bigint not null references incidents (id),
    -- the incident's status when the update went out
    status text not null check (status in ('triage', 'investigating', 'identified', 'monitoring', 'resolved', 'closed', 'declined', 'merged')),
    is_internal boolean not null,
    is_public boolean not null,
    -- the incident's name as the public sees it (public updates only)
    public_title text not null default '',
    body text not null,
    body_html text not null,
    author_id bigint not null references users (id),
    published_at timestamptz not null,
    check (is_internal or is_public)
);
create index updates_incident_idx on updates (incident_id, published_at, id);
-- the status page's incidents and history
create index updates_public_idx on updates (incident_id, published_at, id) where is_public;
-- the feed of public updates, newest first
create index updates_feed_idx on updates (published_at, id) where is_public;

-- every change of a component's state, newest last; the latest is the component's state
create table component_states (
    id bigint generated always as identity primary key,
    service_id bigint not null references services (id),
    state text not null check (state in ('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance')),
    -- the public update that set it, if one did
    update_id bigint references updates (id),
    changed_at timestamptz not null
);
create index component_states_service_idx on component_states (service_id, changed_at, id);

-- the text that pre-fills an update, per incident status; admins edit it
create table update_templates (
    status text primary key check (status in ('investigating', 'identified', 'monitoring', 'resolved')),
    body text not null,
    revision bigint not null default 1,
    updated_at timestamptz not null
);
insert into update_templates (status, body, updated_at) values
    ('investigating', 'We are investigating reports of problems with our service. We will post another update as soon as we know more.', '2026-01-01T00:00:00+00:00'),
    ('identified', 'We have identified the cause and are working on a fix.', '2026-01-01T00:00:00+00:00'),
    ('monitoring', 'A fix has been put in place and we are monitoring the results.', '2026-01-01T00:00:00+00:00'),
    ('resolved', 'This incident has been resolved. Thank you for your patience.', '2026-01-01T00:00:00+00:00');

-- planned work on components, shown on the status page; "under maintenance" while it runs
create table maintenance_windows (
    id bigint generated always as identity primary key,
    title text not null,
    message text not null default '',
    message_html text not null default '',
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    cancelled_at timestamptz,
    created_by bigint not null references users (id),
    revision bigint not null default 1,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    check (ends_at > starts_at)
);
create index maintenance_windows_ends_idx on maintenance_windows (ends_at, starts_at);

-- which components a maintenance window covers
create table maintenance_components (
    maintenance_id bigint not null references maintenance_windows (id),
    service_id bigint not null references services (id),
    primary key (maintenance_id, service_id)
);
create index maintenance_components_service_idx on maintenance_components (service_id, maintenance_id);

-- how the public status page looks: one row
create table status_page_settings (
    id bigint primary key check (id = 1),
    title text not null,
    logo_text text not null,
    accent_color text not null,
    revision bigint not null default 1,
    updated_at timestamptz not null
);
insert into status_page_settings (id, title, logo_text, accent_color, updated_at)
    values (1, 'System status', 'Status', '#2563eb', '2026-01-01T00:00:00+00:00');
