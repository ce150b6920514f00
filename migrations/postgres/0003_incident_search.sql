-- full-text search over incident titles and summaries (words and word prefixes, any language)
create index incidents_search_idx on incidents using gin (to_tsvector('simple', title || ' ' || summary));
