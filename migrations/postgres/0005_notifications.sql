-- who receives internal updates: a user or an external email address, for one incident or for
-- every incident matching a severity and/or service (empty filters match everything)
create table subscriptions (
    id bigint generated always as identity primary key,
    user_id bigint references users (id),
    email text,
    incident_id bigint references incidents (id),
    severity_id bigint references severities (id),
    service_id bigint references services (id),
    created_by bigint not null references users (id),
    created_at timestamptz not null,
    check ((user_id is null) <> (email is null)),
    check (incident_id is null or (severity_id is null and service_id is null))
);
create unique index subscriptions_key on subscriptions
    (coalesce(user_id, 0), coalesce(email, ''), coalesce(incident_id, 0), coalesce(severity_id, 0), coalesce(service_id, 0));
create index subscriptions_incident_idx on subscriptions (incident_id) where incident_id is not null;
create index subscriptions_filter_idx on subscriptions (severity_id, service_id) where incident_id is null;
create index subscriptions_user_idx on subscriptions (user_id, id);

-- outgoing webhooks admins configure: every update of a matching incident is posted to them
create table webhooks (
    id bigint generated always as identity primary key,
    name text not null,
    url text not null,
    -- json: Quell's own payload; slack: an incoming-webhook message (Slack, Mattermost, …)
    format text not null check (format in ('json', 'slack')),
    -- signs each request (HMAC-SHA256) when not empty
    secret text not null default '',
    severity_id bigint references severities (id),
    service_id bigint references services (id),
    active boolean not null default true,
    revision bigint not null default 1,
    created_at timestamptz not null,
    updated_at timestamptz not null
);

-- people who asked the public status page for updates by email (double opt-in)
create table status_subscribers (
    id bigint generated always as identity primary key,
    email text not null,
    confirm_token text not null,
    unsubscribe_token text not null,
    confirmed_at timestamptz,
    created_at timestamptz not null
);
create unique index status_subscribers_email_key on status_subscribers (email);
create unique index status_subscribers_confirm_key on status_subscribers (confirm_token);
create unique index status_subscribers_unsubscribe_key on status_subscribers (unsubscribe_token);
create index status_subscribers_confirmed_idx on status_subscribers (id) where confirmed_at is not null;

-- the outbox: every notification to send, written in the same transaction as what caused it,
-- and the state of its delivery
create table deliveries (
    id bigint generated always as identity primary key,
    channel text not null check (channel in ('email', 'webhook')),
    -- the email address or the URL
    target text not null,
    webhook_id bigint references webhooks (id),
    update_id bigint references updates (id),
    -- what it is about, for the delivery log ("INC-4 update", "confirm subscription")
    topic text not null,
    subject text not null default '',
    -- the email's text or the webhook's JSON, fixed when queued so that retries send the same
    body text not null,
    -- extra email header: the one-click unsubscribe address, when there is one
    unsubscribe_url text not null default '',
    status text not null check (status in ('pending', 'sending', 'sent', 'failed')),
    attempts bigint not null default 0,
    next_attempt_at timestamptz not null,
    -- while sending: until when the worker that claimed it holds it
    locked_until timestamptz,
    last_error text not null default '',
    sent_at timestamptz,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index deliveries_due_idx on deliveries (status, next_attempt_at, id);
create index deliveries_update_idx on deliveries (update_id);
