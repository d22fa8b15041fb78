-- Each host's SCIM resource (~1 KB, read only by a host's details and
-- exports) moves to its own table: the hosts table becomes a fifth of its
-- size, so that searches and sorts that read many host rows, index builds
-- and the search index rebuild read a fifth of the pages.
CREATE TABLE host_resources (
	rid      INTEGER PRIMARY KEY,               -- hosts.rid
	resource TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO host_resources(rid, resource) SELECT rid, resource FROM hosts;

-- The hosts table is rebuilt rather than altered (DROP COLUMN would leave
-- its pages as many, each mostly empty). rids are kept: they are the search
-- index's rowids. The sort indexes are created again by the Go code.
CREATE TABLE hosts_narrow (
	rid            INTEGER PRIMARY KEY,          -- local row id, also the FTS rowid
	id             TEXT NOT NULL UNIQUE,
	seq            INTEGER NOT NULL,
	state          TEXT NOT NULL,
	user_name      TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
	external_id    TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
	display_name   TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
	email          TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
	department     TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
	title          TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
	active         INTEGER NOT NULL DEFAULT 0,
	created        INTEGER NOT NULL DEFAULT 0,
	modified       INTEGER NOT NULL DEFAULT 0,
	deactivated_at INTEGER NOT NULL DEFAULT 0,
	deactivated_by TEXT NOT NULL DEFAULT '',
	deleted_at     INTEGER NOT NULL DEFAULT 0,
	deleted_by     TEXT NOT NULL DEFAULT '',
	removed_how    TEXT NOT NULL DEFAULT '',
	removed_at     INTEGER NOT NULL DEFAULT 0,   -- deleted_at, else deactivated_at: sort key of the Deleted hosts list
	restored_at    INTEGER NOT NULL DEFAULT 0,
	restored_by    TEXT NOT NULL DEFAULT ''
);
INSERT INTO hosts_narrow SELECT rid, id, seq, state, user_name, external_id, display_name, email, department, title,
	active, created, modified, deactivated_at, deactivated_by, deleted_at, deleted_by, removed_how, removed_at,
	restored_at, restored_by FROM hosts ORDER BY rid;
DROP TABLE hosts;
ALTER TABLE hosts_narrow RENAME TO hosts;
