-- How many incidents there are per status and drill flag, kept by a trigger, so the incidents
-- list reads its counts from a handful of rows instead of counting the whole table.
create table incident_counts (
    status text not null,
    is_drill boolean not null,
    n bigint not null,
    primary key (status, is_drill)
);
insert into incident_counts (status, is_drill, n) select status, is_drill, count(*) from incidents group by status, is_drill;

create function incident_counts_keep() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        update incident_counts set n = n - 1 where status = old.status and is_drill = old.is_drill;
    end if;
    if tg_op in ('UPDATE', 'INSERT') then
        insert into incident_counts (status, is_drill, n) values (new.status, new.is_drill, 1)
            on conflict (status, is_drill) do update set n = incident_counts.n + 1;
    end if;
    return null;
end;
$$;

create trigger incident_counts_insert_delete after insert or delete on incidents
    for each row execute function incident_counts_keep();
create trigger incident_counts_update after update of status, is_drill on incidents
    for each row when (old.status is distinct from new.status or old.is_drill is distinct from new.is_drill)
    execute function incident_counts_keep();
