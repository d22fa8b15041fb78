-- The search index is now kept current by Apply itself (see applyHosts):
-- with triggers, every upsert ran as a statement that SQLite could have to
-- undo, so it kept a statement journal and the search index wrote its
-- pending terms to disk after every row.
DROP TRIGGER IF EXISTS hosts_fts_ai;
DROP TRIGGER IF EXISTS hosts_fts_ad;
DROP TRIGGER IF EXISTS hosts_fts_au;
