-- The search index gains the state column: a search is then counted, state
-- filter included, from the index alone (see search.go). The Go code creates
-- the triggers again with the state (mirror.ftsTriggers), unless a bulk load
-- is under way, which rebuilds the index and creates them when it ends.
DROP TRIGGER IF EXISTS hosts_fts_ai;
DROP TRIGGER IF EXISTS hosts_fts_ad;
DROP TRIGGER IF EXISTS hosts_fts_au;
DROP TABLE hosts_fts;
CREATE VIRTUAL TABLE hosts_fts USING fts5(
	display_name, user_name, email, department, external_id, state,
	content='hosts', content_rowid='rid',
	tokenize='unicode61 remove_diacritics 2', detail=column
);
INSERT INTO hosts_fts(hosts_fts) VALUES ('rebuild');
