-- Notification rules: when, after being paged, each of a person's contact methods is used
-- ("immediately by email", "after 5 minutes by the phone gateway"). A person without rules is
-- paged through every contact method at once.
create table notification_rules (
    id integer primary key,
    user_id integer not null references users (id),
    contact_method_id integer not null references contact_methods (id) on delete cascade,
    -- minutes after the page reached the person
    delay_minutes integer not null check (delay_minutes between 0 and 240),
    created_at text not null
);
create unique index notification_rules_key on notification_rules (contact_method_id, delay_minutes);
create index notification_rules_user_idx on notification_rules (user_id, delay_minutes, id);

-- A page's deliveries name their page, so that acknowledging it (or resolving its incident)
-- cancels what its rules would still send; 'cancelled' is their status then. SQLite can't
-- change a check constraint in place, so the outbox is copied into a new table.
create table deliveries_new (
    id integer primary key,
    channel text not null check (channel in ('email', 'webhook')),
    -- the email address or the URL
    target text not null,
    webhook_id integer references webhooks (id),
    update_id integer references updates (id),
    -- the page this delivery pages someone for
    page_id integer references pages (id),
    -- what it is about, for the delivery log ("INC-4 update", "confirm subscription")
    topic text not null,
    subject text not null default '',
    -- the email's text or the webhook's JSON, fixed when queued so that retries send the same
    body text not null,
    -- extra email header: the one-click unsubscribe address, when there is one
    unsubscribe_url text not null default '',
    status text not null check (status in ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts integer not null default 0,
    next_attempt_at text not null,
    -- while sending: until when the worker that claimed it holds it
    locked_until text,
    last_error text not null default '',
    sent_at text,
    created_at text not null,
    updated_at text not null
);
insert into deliveries_new (id, channel, target, webhook_id, update_id, topic, subject, body, unsubscribe_url, status,
                            attempts, next_attempt_at, locked_until, last_error, sent_at, created_at, updated_at)
select id, channel, target, webhook_id, update_id, topic, subject, body, unsubscribe_url, status,
       attempts, next_attempt_at, locked_until, last_error, sent_at, created_at, updated_at from deliveries;
drop table deliveries;
alter table deliveries_new rename to deliveries;
create index deliveries_due_idx on deliveries (status, next_attempt_at, id);
create index deliveries_update_idx on deliveries (update_id);
create index deliveries_page_idx on deliveries (page_id) where status = 'pending';
