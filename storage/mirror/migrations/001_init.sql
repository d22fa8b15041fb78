-- The console's mirror of the service: hosts in every state, groups,
-- memberships, the activity log and the sync cursors. Times are unix
-- milliseconds, 0 when unset. No secret is ever stored here.

-- Sync cursors and the time of the last complete sync.
CREATE TABLE sync_state (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE hosts (
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
	restored_by    TEXT NOT NULL DEFAULT '',
	resource       TEXT NOT NULL DEFAULT '{}'
);
-- The sort indexes are created by the Go code (mirror.sortIndexes): a first
-- sync loads the table without them and builds them once at the end.

-- Search-as-you-type: word-prefix search over the five searchable fields.
-- detail=column and no prefix indexes keep the first sync fast (each halved
-- the index's write cost); queries are ANDed single-word prefixes, which
-- need neither positions nor prefix indexes.
CREATE VIRTUAL TABLE hosts_fts USING fts5(
	display_name, user_name, email, department, external_id,
	content='hosts', content_rowid='rid',
	tokenize='unicode61 remove_diacritics 2', detail=column
);
-- The triggers keep the search index current, except while a first sync
-- bulk-loads the mirror (sync_state row 'fts_bulk'): that sync rebuilds the
-- index once at the end, which costs a fraction of indexing row by row.
CREATE TRIGGER hosts_fts_ai AFTER INSERT ON hosts
WHEN NOT EXISTS (SELECT 1 FROM sync_state WHERE name = 'fts_bulk') BEGIN
	INSERT INTO hosts_fts(rowid, display_name, user_name, email, department, external_id)
	VALUES (new.rid, new.display_name, new.user_name, new.email, new.department, new.external_id);
END;
CREATE TRIGGER hosts_fts_ad AFTER DELETE ON hosts
WHEN NOT EXISTS (SELECT 1 FROM sync_state WHERE name = 'fts_bulk') BEGIN
	INSERT INTO hosts_fts(hosts_fts, rowid, display_name, user_name, email, department, external_id)
	VALUES ('delete', old.rid, old.display_name, old.user_name, old.email, old.department, old.external_id);
END;
CREATE TRIGGER hosts_fts_au AFTER UPDATE OF display_name, user_name, email, department, external_id ON hosts
WHEN NOT EXISTS (SELECT 1 FROM sync_state WHERE name = 'fts_bulk') BEGIN
	INSERT INTO hosts_fts(hosts_fts, rowid, display_name, user_name, email, department, external_id)
	VALUES ('delete', old.rid, old.display_name, old.user_name, old.email, old.department, old.external_id);
	INSERT INTO hosts_fts(rowid, display_name, user_name, email, department, external_id)
	VALUES (new.rid, new.display_name, new.user_name, new.email, new.department, new.external_id);
END;

CREATE TABLE groups (
	id           TEXT PRIMARY KEY,
	seq          INTEGER NOT NULL,
	display_name TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
	external_id  TEXT NOT NULL DEFAULT '',
	created      INTEGER NOT NULL DEFAULT 0,
	modified     INTEGER NOT NULL DEFAULT 0,
	deleted_at   INTEGER NOT NULL DEFAULT 0,
	deleted_by   TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- No foreign keys: the feed is the authority, and a member may refer to a
-- host the mirror has not seen yet in a partial page.
CREATE TABLE memberships (
	group_id TEXT NOT NULL,
	host_id  TEXT NOT NULL,
	pos      INTEGER NOT NULL,
	PRIMARY KEY (group_id, host_id)
) WITHOUT ROWID;
CREATE INDEX memberships_host ON memberships(host_id);

CREATE TABLE events (
	seq           INTEGER PRIMARY KEY,
	at            INTEGER NOT NULL,
	actor         TEXT NOT NULL DEFAULT '',
	actor_name    TEXT NOT NULL DEFAULT '',
	action        TEXT NOT NULL,
	resource_type TEXT NOT NULL DEFAULT '',
	resource_id   TEXT NOT NULL DEFAULT '',
	user_name     TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
	changes       TEXT NOT NULL DEFAULT '',
	detail        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_resource ON events(resource_id, seq);
CREATE INDEX events_action ON events(action, seq);
CREATE INDEX events_user ON events(user_name);
CREATE INDEX events_at ON events(at);
