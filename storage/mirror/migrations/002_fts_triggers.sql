-- The search triggers are created by the Go code (mirror.ftsTriggers) and
-- dropped while a first sync bulk-loads the mirror, rather than switched off
-- by a WHEN clause: a trigger that exists makes every upsert keep a
-- statement journal even when its WHEN clause is false.
DROP TRIGGER IF EXISTS hosts_fts_ai;
DROP TRIGGER IF EXISTS hosts_fts_ad;
DROP TRIGGER IF EXISTS hosts_fts_au;
