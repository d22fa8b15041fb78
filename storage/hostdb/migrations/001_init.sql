-- The directory: hosts, groups and memberships, keyed internally by an integer
-- rowid (n) so that creation order is the natural order and membership rows stay
-- small; the public id is a random UUID. Nothing is ever hard-deleted.

-- Every write transaction appends one row here first; its seq is stamped on the
-- hosts and groups the transaction touched, which makes seq the change-feed cursor.
CREATE TABLE activity (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,            -- unix ms, UTC
    actor         TEXT    NOT NULL,            -- Actor.String()
    actor_name    TEXT    NOT NULL,            -- Actor.Name() at write time
    action        TEXT    NOT NULL,
    resource_type TEXT    NOT NULL,
    resource_id   TEXT    NOT NULL DEFAULT '',
    user_name     TEXT    NOT NULL DEFAULT '',
    changes       TEXT,                        -- JSON array of {field, old, new}
    detail        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX activity_resource ON activity (resource_id, seq);
CREATE INDEX activity_action   ON activity (action, seq);

CREATE TABLE hosts (
    n                INTEGER PRIMARY KEY,
    id               TEXT    NOT NULL UNIQUE,
    seq              INTEGER NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('active', 'deactivated', 'deleted')),
    user_name        TEXT    NOT NULL,
    user_name_key    TEXT    NOT NULL,         -- strings.ToLower(user_name)
    external_id      TEXT    NOT NULL DEFAULT '',
    display_name     TEXT    NOT NULL DEFAULT '',
    display_name_key TEXT    NOT NULL DEFAULT '',
    email            TEXT    NOT NULL DEFAULT '',
    email_key        TEXT    NOT NULL DEFAULT '',
    active           INTEGER NOT NULL,
    attrs            TEXT    NOT NULL,         -- canonical SCIM attributes (JSON object)
    created          INTEGER NOT NULL,
    modified         INTEGER NOT NULL,
    deactivated_at   INTEGER,
    deactivated_by   TEXT    NOT NULL DEFAULT '',
    deleted_at       INTEGER,
    deleted_by       TEXT    NOT NULL DEFAULT '',
    removed_how      TEXT    NOT NULL DEFAULT '',
    restored_at      INTEGER,
    restored_by      TEXT    NOT NULL DEFAULT ''
);
-- Live hosts (deleted_at IS NULL) are what SCIM clients see; a deleted host's
-- userName is free again, hence the partial unique index.
-- Every index costs a page write per created host, so there are no more of
-- them than the queries need. The live indexes also carry deleted_at (always
-- NULL in them) so that a query can check it without reading the table row:
-- paging with a large OFFSET and counting then walk only the index.
-- hosts_live serves paging, counting and the active filter; hosts_removed the
-- admin's lists of removed hosts (a new host is active and never touches it).
CREATE UNIQUE INDEX hosts_user_name_live    ON hosts (user_name_key)                WHERE deleted_at IS NULL;
CREATE INDEX        hosts_live              ON hosts (n, state, deleted_at)         WHERE deleted_at IS NULL;
CREATE INDEX        hosts_removed           ON hosts (n, state)                     WHERE state <> 'active';
CREATE INDEX        hosts_external_id_live  ON hosts (external_id, deleted_at)      WHERE deleted_at IS NULL;
CREATE INDEX        hosts_display_name_live ON hosts (display_name_key, deleted_at) WHERE deleted_at IS NULL;
CREATE INDEX        hosts_email_live        ON hosts (email_key, deleted_at)        WHERE deleted_at IS NULL;
CREATE INDEX        hosts_seq               ON hosts (seq);

CREATE TABLE groups (
    n                INTEGER PRIMARY KEY,
    id               TEXT    NOT NULL UNIQUE,
    seq              INTEGER NOT NULL,
    display_name     TEXT    NOT NULL,
    display_name_key TEXT    NOT NULL,
    external_id      TEXT    NOT NULL DEFAULT '',
    attrs            TEXT    NOT NULL,         -- canonical attributes without members
    created          INTEGER NOT NULL,
    modified         INTEGER NOT NULL,
    deleted_at       INTEGER,
    deleted_by       TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX groups_display_name_live ON groups (display_name_key) WHERE deleted_at IS NULL;
CREATE INDEX        groups_live              ON groups (n, deleted_at)                WHERE deleted_at IS NULL;
CREATE INDEX        groups_external_id_live  ON groups (external_id, deleted_at)      WHERE deleted_at IS NULL;
CREATE INDEX        groups_seq               ON groups (seq);

-- pos keeps insertion order within a group. Rows of deleted hosts stay, so a
-- restored host is back in its groups; reads join on live hosts.
CREATE TABLE memberships (
    group_n INTEGER NOT NULL REFERENCES groups (n),
    pos     INTEGER NOT NULL,
    host_n  INTEGER NOT NULL REFERENCES hosts (n),
    PRIMARY KEY (group_n, pos)
) WITHOUT ROWID;
CREATE UNIQUE INDEX memberships_pair ON memberships (group_n, host_n);
CREATE INDEX        memberships_host ON memberships (host_n);

-- Only SHA-256 hashes of secrets are stored; prefix is the first 8 characters
-- of the secret, safe to display.
CREATE TABLE api_keys (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    label     TEXT    NOT NULL,
    prefix    TEXT    NOT NULL,
    hash      BLOB    NOT NULL UNIQUE,
    created   INTEGER NOT NULL,
    last_used INTEGER,
    revoked   INTEGER
);

-- At most one admin credential; rotating replaces it.
CREATE TABLE admin_token (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    prefix  TEXT    NOT NULL,
    hash    BLOB    NOT NULL,
    created INTEGER NOT NULL
);
