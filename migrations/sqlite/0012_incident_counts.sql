-- How many incidents there are per status and drill flag, kept by triggers, so the incidents
-- list reads its counts from a handful of rows instead of counting the whole table.
create table incident_counts (
    status text not null,
    is_drill integer not null,
    n integer not null,
    primary key (status, is_drill)
);
insert into incident_counts (status, is_drill, n) select status, is_drill, count(*) from incidents group by status, is_drill;

create trigger incident_counts_insert after insert on incidents begin
    insert into incident_counts (status, is_drill, n) values (new.status, new.is_drill, 1)
        on conflict (status, is_drill) do update set n = n + 1;
end;

create trigger incident_counts_delete after delete on incidents begin
    update incident_counts set n = n - 1 where status = old.status and is_drill = old.is_drill;
end;

create trigger incident_counts_update after update of status, is_drill on incidents
    when old.status <> new.status or old.is_drill <> new.is_drill begin
    update incident_counts set n = n - 1 where status = old.status and is_drill = old.is_drill;
    insert into incident_counts (status, is_drill, n) values (new.status, new.is_drill, 1)
        on conflict (status, is_drill) do update set n = n + 1;
end;
