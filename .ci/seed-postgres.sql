-- Fills a migrated Quell Postgres database for `make bench` the way seed-incidents.py and
-- seed-post-mortems.py fill a SQLite one: the same sizes, weights and shapes, in SQL because
-- the bench has psql but no Python Postgres driver.
--
-- Usage: psql -qAt -v ON_ERROR_STOP=1 -v user_id=1 -v incidents=100000 -v events=1000000 \
--          -v post_mortems=10000 -v action_items=100000 -f .ci/seed-postgres.sql DATABASE_URL
--
-- Incidents get random severities, statuses, services and the commander role; events are spread
-- over the incidents (the first incident gets exactly 20, the rest share the remainder).
-- Post-mortems go to the newest ended incidents, each with the default template's seven
-- sections. Action items are spread over those post-mortems and over 50 owners; user_id owns
-- one in 50 of them. Deadlines spread a year either side of today, statuses mostly done.
-- setseed makes every run draw the same numbers. Prints one summary line per part.

\o /dev/null
set synchronous_commit = off;
select setseed(0.42);

insert into services (name, description, created_at, updated_at)
select 'Service ' || n, '', now(), now() from generate_series(0, 49) n order by n;

select coalesce(max(id), 0) + 1 as first_incident from incidents \gset

-- One row of draws per incident, taken in order so that the seed repeats.
create temp table seed_incidents as
select n, random() as status_draw, random() as severity_draw, random() as title_draw,
       random() as minutes_draw, random() as service_draw
from generate_series(0, :incidents - 1) n;

-- Status weights as in seed-incidents.py: triage 2, investigating 2, identified 1,
-- monitoring 1, resolved 10, closed 80, declined 4 (of 100).
create temp table seed_incident_rows as
with severity as (select array_agg(id order by rank) as ids from severities),
drawn as (
    select n, minutes_draw, severity_draw, title_draw,
           case when status_draw < 0.02 then 'triage'
                when status_draw < 0.04 then 'investigating'
                when status_draw < 0.05 then 'identified'
                when status_draw < 0.06 then 'monitoring'
                when status_draw < 0.16 then 'resolved'
                when status_draw < 0.96 then 'closed'
                else 'declined' end as status,
           now() - interval '1095 days' + n * (interval '1095 days' / greatest(:incidents, 1)) as declared,
           (10 + floor(minutes_draw * 591)) * interval '1 minute' as to_resolve
    from seed_incidents
)
select n,
       'Incident ' || n || ': ' || (array['API errors', 'Slow checkout', 'Login failures', 'Queue backlog', 'Disk full'])[1 + floor(title_draw * 5)::int] as title,
       'Seeded incident number ' || n || ' for benchmarking.' as summary,
       status,
       severity.ids[1 + floor(severity_draw * cardinality(severity.ids))::int] as severity_id,
       declared,
       case when status <> 'triage' then declared + interval '3 minutes' end as acknowledged_at,
       case when status in ('resolved', 'closed', 'declined') then declared + to_resolve end as resolved_at,
       case when status = 'closed' then declared + interval '1 day' end as closed_at
from drawn, severity;

-- Inserted 1,000 at a time, each batch its own transaction: the trigger that keeps
-- incident_counts updates the same few rows once per incident, and inside one transaction
-- every update lengthens a chain of row versions the next one walks (100,000 incidents in one
-- statement take minutes; in batches, seconds).
select format(
    'insert into incidents (title, summary, status, severity_id, is_drill, started_at, detected_at, acknowledged_at, '
    'mitigated_at, resolved_at, closed_at, declared_by, declared_at, updated_at) '
    'select title, summary, status, severity_id, false, declared, declared, acknowledged_at, resolved_at, resolved_at, '
    'closed_at, %s, declared, declared from seed_incident_rows where n >= %s and n < %s order by n',
    :user_id, batch, batch + 1000)
from generate_series(0, :incidents - 1, 1000) batch
\gexec

with service as (select array_agg(id order by id) as ids from services)
insert into incident_services (incident_id, service_id)
select :first_incident + n, service.ids[1 + floor(service_draw * cardinality(service.ids))::int]
from seed_incidents, service;

insert into role_assignments (incident_id, role_type_id, user_id, assigned_by, assigned_at)
select :first_incident + n, (select id from role_types where is_commander), :user_id, :user_id, now() - interval '1095 days'
from seed_incidents;

-- The first 20 events go to the first incident and no others do, so its page shows exactly 20.
insert into timeline_events (incident_id, kind, body, body_html, occurred_at, recorded_at, actor_id)
select incident_id, 'note', body, '<p>' || body || '</p>', at, at, :user_id
from (
    select case when n < 20 or :incidents < 2 then :first_incident
                else :first_incident + 1 + floor(random() * (:incidents - 1))::bigint end as incident_id,
           'Seeded note ' || n || ': checked the dashboards and rolled back the deploy.' as body,
           now() - interval '1095 days' + n * interval '1 second' as at
    from generate_series(0, :events - 1) n
) event;

-- Post-mortems: 49 more people to own them and their action items.
insert into users (email, display_name, role, password_hash, created_at, updated_at)
select 'owner' || n || '@example.com', 'Owner ' || n, 'responder', 'x', now(), now()
from generate_series(0, 48) n order by n;

create temp table seed_owners as
select array_agg(id order by id) as others
from (select id from users where id <> :user_id order by id limit 49) other;

create temp table seed_post_mortems as
select n, incident_id, random() as owner_draw, random() as status_draw, random() as word_draw, random() as other_word_draw
from (select row_number() over (order by id desc) - 1 as n, id as incident_id
      from incidents where status in ('resolved', 'closed') order by id desc limit :post_mortems) newest
order by n;

-- Status weights as in seed-post-mortems.py: draft 20, in review 10, published 70.
insert into post_mortems (incident_id, owner_id, status, search_text, published_at, created_by, created_at, updated_at)
select incident_id,
       (seed_owners.others || :user_id::bigint)[1 + floor(owner_draw * (cardinality(seed_owners.others) + 1))::int],
       status,
       'Summary' || chr(10) || 'The ' || words[1 + floor(word_draw * 8)::int] || ' failed.' || chr(10) || chr(10)
           || 'Root cause' || chr(10) || 'A ' || words[1 + floor(other_word_draw * 8)::int] || ' limit was reached.',
       case when status = 'published' then now() end,
       :user_id,
       now() - (:post_mortems - n) * interval '1 minute',
       now()
from (select *, case when status_draw < 0.2 then 'draft' when status_draw < 0.3 then 'in_review' else 'published' end as status,
             array['connection pool', 'deploy', 'cache', 'certificate', 'queue', 'database failover', 'rate limit', 'DNS'] as words
      from seed_post_mortems) drawn, seed_owners
order by n;

insert into post_mortem_sections (post_mortem_id, position, heading, body, body_html, updated_at)
select post_mortems.id, section.position, section.heading,
       'Seeded ' || lower(section.heading) || ' of post-mortem ' || post_mortems.id || '.',
       '<p>Seeded ' || lower(section.heading) || ' of post-mortem ' || post_mortems.id || '.</p>',
       now()
from post_mortems
join seed_post_mortems using (incident_id)
cross join unnest(array['Summary', 'Impact', 'Timeline', 'Root cause', 'Detection', 'Response', 'Lessons learned'])
    with ordinality as section (heading, position)
order by post_mortems.id, section.position;

-- Which post-mortem each action item belongs to, by its place in the list.
create temp table seed_post_mortem_ids as
select seed_post_mortems.n, post_mortems.id, post_mortems.incident_id
from post_mortems join seed_post_mortems using (incident_id);
create index on seed_post_mortem_ids (n);
select count(*) as post_mortem_count from seed_post_mortem_ids \gset

create temp table seed_action_items as
select n, floor(random() * greatest(:post_mortem_count, 1))::bigint as k, random() as status_draw, random() as owner_draw,
       random() as due_draw, random() as priority_draw, random() as word_draw
from generate_series(0, :action_items - 1) n;

-- Status weights as in seed-post-mortems.py: open 25, in progress 10, done 60, won't do 5.
insert into action_items (incident_id, post_mortem_id, title, owner_id, due_on, priority, status, wont_do_reason,
                          created_by, created_at, updated_at)
select post_mortem.incident_id, post_mortem.id,
       'Follow-up ' || item.n || ': fix the '
           || (array['connection pool', 'deploy', 'cache', 'certificate', 'queue', 'database failover', 'rate limit', 'DNS'])[1 + floor(word_draw * 8)::int],
       case when item.n % 50 = 0 then :user_id else seed_owners.others[1 + floor(owner_draw * cardinality(seed_owners.others))::int] end,
       current_date + (floor(due_draw * 731)::int - 365),
       'p' || floor(priority_draw * 4)::int,
       item.status,
       case when item.status = 'wont_do' then 'Not worth it' else '' end,
       :user_id, now(), now()
from (select *, case when status_draw < 0.25 then 'open' when status_draw < 0.35 then 'in_progress'
                     when status_draw < 0.95 then 'done' else 'wont_do' end as status
      from seed_action_items) item
join seed_post_mortem_ids post_mortem on post_mortem.n = item.k
cross join seed_owners
order by item.n;

analyze;

\o
select format('seeded %s incidents and %s timeline events; incident %s has %s events',
              (select count(*) from incidents), (select count(*) from timeline_events), :first_incident,
              (select count(*) from timeline_events where incident_id = :first_incident));
select format('seeded %s post-mortems and %s action items (%s overdue; user %s owns %s unfinished)',
              (select count(*) from post_mortems), (select count(*) from action_items),
              (select count(*) from action_items where status in ('open', 'in_progress') and due_on < current_date),
              :user_id,
              (select count(*) from action_items where owner_id = :user_id and status in ('open', 'in_progress')));
