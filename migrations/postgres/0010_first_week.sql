-- Everyone can be reached: a person without any contact method gets their account email as one
-- (new accounts get it when they are made).
insert into contact_methods (user_id, kind, label, target, created_at, updated_at)
select u.id, 'email', 'Account email', u.email, u.created_at, u.created_at from users u
where not exists (select 1 from contact_methods c where c.user_id = u.id);

-- Whether declaring an incident at a severity pages the affected services' escalation
-- policies; on for the two most severe of the seeded severities.
alter table severities add column pages_on_declare boolean not null default false;
update severities set pages_on_declare = true where name in ('SEV1', 'SEV2');

-- Where an incident's acknowledged time came from: the first acknowledged page ('page'), the
-- first move out of triage while no page was escalating ('status'), or a commander's edit
-- ('edited'); null while it is empty (or for incidents from before this version).
alter table incidents add column acknowledged_source text check (acknowledged_source in ('page', 'status', 'edited'));

-- Deleted schedules and escalation policies are kept for 30 days, restorable by admins; their
-- names are free for new ones meanwhile.
alter table schedules add column deleted_at timestamptz;
drop index schedules_name_key;
create unique index schedules_name_key on schedules (lower(name)) where deleted_at is null;
create index schedules_deleted_idx on schedules (deleted_at) where deleted_at is not null;
alter table escalation_policies add column deleted_at timestamptz;
drop index escalation_policies_name_key;
create unique index escalation_policies_name_key on escalation_policies (lower(name)) where deleted_at is null;
create index escalation_policies_deleted_idx on escalation_policies (deleted_at) where deleted_at is not null;

-- One-time password reset links admins make for people who forgot theirs: only the token's
-- SHA-256 is kept; a link works once, within 24 hours, and a newer link replaces an older one.
create table password_resets (
    token_hash text primary key,
    user_id bigint not null references users (id),
    created_by bigint not null references users (id),
    created_at timestamptz not null,
    expires_at timestamptz not null,
    used_at timestamptz
);
create index password_resets_user_idx on password_resets (user_id);
create index password_resets_expires_idx on password_resets (expires_at);
