-- Notification rules: when, after being paged, each of a person's contact methods is used
-- ("immediately by email", "after 5 minutes by the phone gateway"). A person without rules is
-- paged through every contact method at once.
create table notification_rules (
    id bigint generated always as identity primary key,
    user_id bigint not null references users (id),
    contact_method_id bigint not null references contact_methods (id) on delete cascade,
    -- minutes after the page reached the person
    delay_minutes bigint not null check (delay_minutes between 0 and 240),
    created_at timestamptz not null
);
create unique index notification_rules_key on notification_rules (contact_method_id, delay_minutes);
create index notification_rules_user_idx on notification_rules (user_id, delay_minutes, id);

-- A page's deliveries name their page, so that acknowledging it (or resolving its incident)
-- cancels what its rules would still send; 'cancelled' is their status then.
alter table deliveries add column page_id bigint references pages (id);
alter table deliveries drop constraint deliveries_status_check;
alter table deliveries add constraint deliveries_status_check check (status in ('pending', 'sending', 'sent', 'failed', 'cancelled'));
create index deliveries_page_idx on deliveries (page_id) where status = 'pending';
