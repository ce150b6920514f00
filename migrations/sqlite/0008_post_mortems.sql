-- post-mortem templates: a Markdown document whose "## " headings become a new post-mortem's
-- sections (the text under a heading is the guidance shown while writing it); admins edit them
create table post_mortem_templates (
    id integer primary key,
    name text not null,
    body text not null,
    -- approvals a post-mortem made from this template needs before it is published
    required_approvals integer not null default 1 check (required_approvals between 0 and 5),
    is_default integer not null default 0 check (is_default in (0, 1)),
    revision integer not null default 1,
    created_at text not null,
    updated_at text not null
);
create unique index post_mortem_templates_name_key on post_mortem_templates (lower(name));
create unique index post_mortem_templates_default_key on post_mortem_templates (is_default) where is_default;

insert into post_mortem_templates (name, body, required_approvals, is_default, created_at, updated_at) values
    ('Standard post-mortem',
     '## Summary' || char(10) || 'What happened, in a few sentences a newcomer understands.' || char(10) || char(10) ||
     '## Impact' || char(10) || 'Who was affected and how. The figures (users affected, duration, financial impact, SLOs breached) are in the impact card.' || char(10) || char(10) ||
     '## Timeline' || char(10) || 'What happened when. Pre-filled from the incident''s key times and pinned timeline entries.' || char(10) || char(10) ||
     '## Root cause' || char(10) || 'Why it happened: describe the system and the conditions, not a person.' || char(10) || char(10) ||
     '## Detection' || char(10) || 'How was it noticed? Could we have noticed earlier?' || char(10) || char(10) ||
     '## Response' || char(10) || 'What went well, what went wrong, and where we got lucky.' || char(10) || char(10) ||
     '## Lessons learned' || char(10) || 'What we now know, and what we will change (the action items).',
     1, 1, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00');

-- one post-mortem per incident, started once the incident is resolved
create table post_mortems (
    id integer primary key,
    incident_id integer not null references incidents (id),
    owner_id integer not null references users (id),
    status text not null default 'draft' check (status in ('draft', 'in_review', 'published')),
    users_affected text not null default '',
    financial_impact text not null default '',
    slos_breached text not null default '',
    required_approvals integer not null default 1 check (required_approvals between 0 and 5),
    -- every section's text, for search (kept by the store with each section edit)
    search_text text not null default '',
    published_at text,
    revision integer not null default 1,
    created_by integer not null references users (id),
    created_at text not null,
    updated_at text not null
);
create unique index post_mortems_incident_key on post_mortems (incident_id);
create index post_mortems_status_idx on post_mortems (status, id);
create index post_mortems_owner_idx on post_mortems (owner_id, id);
create index post_mortems_created_idx on post_mortems (created_at, id);

-- the sections of a post-mortem, in order, each edited on its own (Markdown, rendered and
-- sanitized when written)
create table post_mortem_sections (
    id integer primary key,
    post_mortem_id integer not null references post_mortems (id),
    position integer not null,
    heading text not null,
    guidance text not null default '',
    body text not null default '',
    body_html text not null default '',
    revision integer not null default 1,
    updated_by integer references users (id),
    updated_at text not null
);
create unique index post_mortem_sections_position_key on post_mortem_sections (post_mortem_id, position);

-- what a section or an impact field said before each edit; never deleted
create table post_mortem_edits (
    id integer primary key,
    post_mortem_id integer not null references post_mortems (id),
    -- the section's heading, or the impact field's label
    part text not null,
    previous text not null,
    edited_by integer not null references users (id),
    edited_at text not null
);
create index post_mortem_edits_post_mortem_idx on post_mortem_edits (post_mortem_id, id);
create trigger post_mortem_edits_are_kept before delete on post_mortem_edits
begin
    select raise(abort, 'post-mortem edits cannot be deleted');
end;

-- contributing factors, each with a category
create table contributing_factors (
    id integer primary key,
    post_mortem_id integer not null references post_mortems (id),
    category text not null check (category in ('technical', 'process', 'human_factors', 'external')),
    description text not null,
    created_by integer not null references users (id),
    created_at text not null
);
create index contributing_factors_post_mortem_idx on contributing_factors (post_mortem_id, id);

-- reviewers of a post-mortem and their decision
create table post_mortem_reviewers (
    post_mortem_id integer not null references post_mortems (id),
    user_id integer not null references users (id),
    decision text not null default 'pending' check (decision in ('pending', 'approved', 'changes_requested')),
    decided_at text,
    assigned_by integer not null references users (id),
    assigned_at text not null,
    primary key (post_mortem_id, user_id)
);
create index post_mortem_reviewers_user_idx on post_mortem_reviewers (user_id, post_mortem_id);

-- the review conversation, and the workflow's events (sent to review, approved, published…)
create table post_mortem_comments (
    id integer primary key,
    post_mortem_id integer not null references post_mortems (id),
    author_id integer not null references users (id),
    -- 'comment' for what people write; otherwise the workflow event it records
    kind text not null default 'comment',
    body text not null,
    body_html text not null,
    created_at text not null
);
create index post_mortem_comments_post_mortem_idx on post_mortem_comments (post_mortem_id, id);

-- follow-up work from an incident or its post-mortem, tracked until done
create table action_items (
    id integer primary key,
    incident_id integer not null references incidents (id),
    post_mortem_id integer references post_mortems (id),
    title text not null,
    description text not null default '',
    owner_id integer not null references users (id),
    -- a calendar date, YYYY-MM-DD
    due_on text not null,
    priority text not null check (priority in ('p0', 'p1', 'p2', 'p3')),
    status text not null default 'open' check (status in ('open', 'in_progress', 'done', 'wont_do')),
    wont_do_reason text not null default '',
    tracker_url text not null default '',
    revision integer not null default 1,
    created_by integer not null references users (id),
    created_at text not null,
    updated_at text not null,
    check (status <> 'wont_do' or wont_do_reason <> '')
);
create index action_items_incident_idx on action_items (incident_id, id);
create index action_items_post_mortem_idx on action_items (post_mortem_id, id);
-- the lists sort by deadline; status is in the indexes so that counts of unfinished and
-- overdue items are read from the index alone
create index action_items_due_idx on action_items (due_on, id);
create index action_items_owner_due_idx on action_items (owner_id, due_on, id, status);
create index action_items_unfinished_due_idx on action_items (due_on, id, status) where status in ('open', 'in_progress');

-- every change to an action item: who changed which field, from what to what
create table action_item_changes (
    id integer primary key,
    action_item_id integer not null references action_items (id),
    field text not null,
    before text not null,
    after text not null,
    changed_by integer not null references users (id),
    changed_at text not null
);
create index action_item_changes_item_idx on action_item_changes (action_item_id, id);
create trigger action_item_changes_are_kept before delete on action_item_changes
begin
    select raise(abort, 'action item history cannot be deleted');
end;

-- reminders sent to owners: once per item, kind and deadline (a moved deadline earns new ones)
create table action_item_reminders (
    action_item_id integer not null references action_items (id),
    kind text not null check (kind in ('due_soon', 'overdue')),
    due_on text not null,
    sent_at text not null,
    primary key (action_item_id, kind, due_on)
);

-- the daily digest of overdue items sent to post-mortem owners: once per owner and day
create table overdue_digests (
    owner_id integer not null references users (id),
    on_date text not null,
    sent_at text not null,
    primary key (owner_id, on_date)
);

-- full-text search over post-mortems' text (search_text), kept in step by triggers
create virtual table post_mortems_search using fts5(
    search_text,
    content = 'post_mortems',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

create trigger post_mortems_search_insert after insert on post_mortems
begin
    insert into post_mortems_search (rowid, search_text) values (new.id, new.search_text);
end;

create trigger post_mortems_search_update after update of search_text on post_mortems
begin
    insert into post_mortems_search (post_mortems_search, rowid, search_text) values ('delete', old.id, old.search_text);
    insert into post_mortems_search (rowid, search_text) values (new.id, new.search_text);
end;
