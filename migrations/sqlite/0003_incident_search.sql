-- full-text search over incident titles and summaries, kept in step with incidents by triggers
create virtual table incidents_search using fts5(
    title,
    summary,
    content = 'incidents',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
insert into incidents_search (incidents_search) values ('rebuild');

create trigger incidents_search_insert after insert on incidents
begin
    insert into incidents_search (rowid, title, summary) values (new.id, new.title, new.summary);
end;

create trigger incidents_search_update after update of title, summary on incidents
begin
    insert into incidents_search (incidents_search, rowid, title, summary) values ('delete', old.id, old.title, old.summary);
    insert into incidents_search (rowid, title, summary) values (new.id, new.title, new.summary);
end;

create trigger incidents_search_delete after delete on incidents
begin
    insert into incidents_search (incidents_search, rowid, title, summary) values ('delete', old.id, old.title, old.summary);
end;
