-- how bad an incident is: an ordered list an admin edits; rank 1 is the worst
create table severities (
    id bigint generated always as identity primary key,
    name text not null,
    description text not null default '',
    rank bigint not null,
    revision bigint not null default 1,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create unique index severities_name_key on severities (lower(name));
create index severities_rank_idx on severities (rank, id);

insert into severities (name, description, rank, created_at, updated_at) values
    ('SEV1', 'Critical: the product is down or data is being lost for many customers. Wake people up.', 1, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00'),
    ('SEV2', 'Major: a core feature is broken or badly degraded for many customers. Work on it now.', 2, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00'),
    ('SEV3', 'Minor: a feature is degraded for some customers and a workaround exists. Work on it today.', 3, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00'),
    ('SEV4', 'Low: little or no customer impact, such as a failing internal tool. Handle it in working hours.', 4, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00');

-- the catalog of things the organisation runs; incidents affect services
create table services (
    id bigint generated always as identity primary key,
    name text not null,
    description text not null default '',
    owner_team text not null default '',
    owner_user_id bigint references users (id),
    parent_id bigint references services (id),
    revision bigint not null default 1,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create unique index services_name_key on services (lower(name));
create index services_parent_idx on services (parent_id);
create index services_owner_user_idx on services (owner_user_id);

-- defined responsibilities on an incident; exactly one role type is the commander's
create table role_types (
    id bigint generated always as identity primary key,
    name text not null,
    description text not null default '',
    -- one checklist item per line
    checklist text not null default '',
    is_commander boolean not null default false,
    retired boolean not null default false,
    rank bigint not null,
    revision bigint not null default 1,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    check (not (is_commander and retired))
);
create unique index role_types_name_key on role_types (lower(name));
create unique index role_types_commander_key on role_types (is_commander) where is_commander;

insert into role_types (name, description, checklist, is_commander, rank, created_at, updated_at) values
    ('Incident Commander',
     'Leads the response: sets priorities, makes decisions, assigns the other roles and decides when the incident is resolved.',
     'Confirm the severity' || chr(10) || 'Assign a communications lead and a scribe' || chr(10) || 'Set the next check-in time' || chr(10) || 'Decide when the incident is resolved',
     true, 1, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00'),
    ('Communications Lead',
     'Keeps stakeholders and customers informed with regular updates, so responders can focus on the fix.',
     'Post the first internal update' || chr(10) || 'Decide whether the status page needs an update' || chr(10) || 'Send an update at every status change',
     false, 2, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00'),
    ('Scribe',
     'Records what happens on the timeline: decisions, findings and actions, with their times.',
     'Note when impact started and was detected' || chr(10) || 'Record each decision and who made it' || chr(10) || 'Pin the entries the post-mortem needs',
     false, 3, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00'),
    ('Operations Lead',
     'Leads the technical investigation and mitigation, and coordinates the people working on the fix.',
     'Identify the affected systems' || chr(10) || 'Agree a mitigation with the commander' || chr(10) || 'Confirm recovery in monitoring',
     false, 4, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00');

-- kinds of incident (security, infrastructure…), optionally with a default severity
create table incident_types (
    id bigint generated always as identity primary key,
    name text not null,
    description text not null default '',
    default_severity_id bigint references severities (id),
    retired boolean not null default false,
    revision bigint not null default 1,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create unique index incident_types_name_key on incident_types (lower(name));

-- incidents; the id is the human reference number (INC-<id>)
create table incidents (
    id bigint generated always as identity primary key,
    title text not null,
    summary text not null default '',
    status text not null check (status in ('triage', 'investigating', 'identified', 'monitoring', 'resolved', 'closed', 'declined', 'merged')),
    severity_id bigint not null references severities (id),
    incident_type_id bigint references incident_types (id),
    is_drill boolean not null default false,
    merged_into_id bigint references incidents (id),
    started_at timestamptz,
    detected_at timestamptz,
    acknowledged_at timestamptz,
    mitigated_at timestamptz,
    resolved_at timestamptz,
    closed_at timestamptz,
    declared_by bigint not null references users (id),
    declared_at timestamptz not null,
    revision bigint not null default 1,
    updated_at timestamptz not null
);
create index incidents_status_idx on incidents (status, id);
create index incidents_severity_idx on incidents (severity_id, id);
-- open incidents by severity (the list's "open now" panel)
create index incidents_status_severity_idx on incidents (status, severity_id, id);
create index incidents_type_idx on incidents (incident_type_id, id);
create index incidents_declared_at_idx on incidents (declared_at);

-- which services an incident affects
create table incident_services (
    incident_id bigint not null references incidents (id),
    service_id bigint not null references services (id),
    primary key (incident_id, service_id)
);
create index incident_services_service_idx on incident_services (service_id, incident_id);

-- who holds which role on an incident: one holder per role type, several roles per person
create table role_assignments (
    incident_id bigint not null references incidents (id),
    role_type_id bigint not null references role_types (id),
    user_id bigint not null references users (id),
    assigned_by bigint not null references users (id),
    assigned_at timestamptz not null,
    primary key (incident_id, role_type_id)
);
create index role_assignments_user_idx on role_assignments (user_id, incident_id);

-- ticked checklist items of a role on an incident (the item's text, as it read when ticked)
create table checklist_ticks (
    incident_id bigint not null references incidents (id),
    role_type_id bigint not null references role_types (id),
    item text not null,
    ticked_by bigint not null references users (id),
    ticked_at timestamptz not null,
    primary key (incident_id, role_type_id, item)
);

-- the incident's timeline and audit trail: automatic events for every change, and notes; never deleted
create table timeline_events (
    id bigint generated always as identity primary key,
    incident_id bigint not null references incidents (id),
    kind text not null,
    -- Markdown for notes, a sentence for automatic events
    body text not null,
    -- body rendered and sanitized when written
    body_html text not null,
    occurred_at timestamptz not null,
    recorded_at timestamptz not null,
    actor_id bigint references users (id),
    pinned boolean not null default false,
    edited_at timestamptz,
    revision bigint not null default 1
);
create index timeline_events_incident_idx on timeline_events (incident_id, occurred_at, id);
create index timeline_events_pinned_idx on timeline_events (incident_id, occurred_at, id) where pinned;

-- earlier versions of edited notes
create table timeline_event_edits (
    id bigint generated always as identity primary key,
    event_id bigint not null references timeline_events (id),
    previous_body text not null,
    previous_occurred_at timestamptz not null,
    edited_by bigint not null references users (id),
    edited_at timestamptz not null
);
create index timeline_event_edits_event_idx on timeline_event_edits (event_id, id);

-- the audit trail cannot be deleted
create function refuse_delete() returns trigger language plpgsql as $$
begin
    raise exception '% rows cannot be deleted', tg_table_name;
end;
$$;
create trigger timeline_events_are_kept before delete on timeline_events
    for each row execute function refuse_delete();
create trigger timeline_event_edits_are_kept before delete on timeline_event_edits
    for each row execute function refuse_delete();
