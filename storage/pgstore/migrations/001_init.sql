-- The directory on PostgreSQL: the same tables as storage/hostdb's SQLite
-- schema, with two differences.
--
-- tenant: every table has it, first in every key and unique index, so that
-- hosting many companies (and sharding them on Citus) is data, not a
-- redesign. One tenant, 'default', is used now.
--
-- xid: every row a transaction writes to hosts, groups and activity carries
-- that transaction's id (pg_current_xact_id(), as a bigint). The change feed
-- and the activity feed serve rows by xid below the reading snapshot's xmin
-- (changefeed.go): a transaction with a lower xid can commit after a higher
-- one, which a sequence cursor would skip, but none below xmin is still
-- running. Nothing is ever hard-deleted.

CREATE TABLE activity (
    tenant        text        NOT NULL,
    seq           bigserial   NOT NULL,    -- the event's number (Event.Seq)
    xid           bigint      NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    at            timestamptz NOT NULL,
    actor         text        NOT NULL,    -- Actor.String()
    actor_name    text        NOT NULL,    -- Actor.Name() at write time
    idp           text        NOT NULL DEFAULT '', -- the acting API key's IdP
    action        text        NOT NULL,
    resource_type text        NOT NULL,
    resource_id   text        NOT NULL DEFAULT '',
    user_name     text        NOT NULL DEFAULT '',
    changes       text,                    -- JSON array of {field, old, new}
    detail        text        NOT NULL DEFAULT '',
    -- For LastChanges: what a key's change was to, and the request.
    target        text        NOT NULL DEFAULT '',
    method        text        NOT NULL DEFAULT '',
    path          text        NOT NULL DEFAULT '',
    PRIMARY KEY (tenant, seq)
);
CREATE INDEX activity_feed     ON activity (tenant, xid, seq);
CREATE INDEX activity_resource ON activity (tenant, resource_id, seq);
CREATE INDEX activity_action   ON activity (tenant, action, seq);
-- Each IdP's last change to a host or group, read by one backward step.
CREATE INDEX activity_idp_change ON activity (tenant, idp, seq)
    WHERE idp <> '' AND (resource_type = 'User' OR resource_type = 'Group');

CREATE TABLE hosts (
    tenant           text        NOT NULL,
    n                bigserial   NOT NULL, -- creation order
    id               text        NOT NULL,
    xid              bigint      NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    -- The xid of the last change of the host's state (created, deactivated,
    -- reactivated, deleted, restored): the page memo and counts check it
    -- (hostquery.go).
    state_xid        bigint      NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    state            text        NOT NULL CHECK (state IN ('active', 'deactivated', 'deleted')),
    user_name        text        NOT NULL,
    user_name_key    text        NOT NULL, -- nameKey(user_name)
    external_id      text        NOT NULL DEFAULT '',
    display_name     text        NOT NULL DEFAULT '',
    display_name_key text        NOT NULL DEFAULT '',
    email            text        NOT NULL DEFAULT '',
    email_key        text        NOT NULL DEFAULT '',
    active           boolean     NOT NULL,
    attrs            text        NOT NULL, -- canonical SCIM attributes (JSON object), as sent
    created          timestamptz NOT NULL,
    modified         timestamptz NOT NULL,
    deactivated_at   timestamptz,
    deactivated_by   text        NOT NULL DEFAULT '',
    deleted_at       timestamptz,
    deleted_by       text        NOT NULL DEFAULT '',
    removed_how      text        NOT NULL DEFAULT '',
    restored_at      timestamptz,
    restored_by      text        NOT NULL DEFAULT '',
    idp              text        NOT NULL DEFAULT '',
    PRIMARY KEY (tenant, n),
    UNIQUE (tenant, id)
);
-- A deleted host's userName is free again, hence the partial unique index.
CREATE UNIQUE INDEX hosts_user_name_live    ON hosts (tenant, user_name_key)    WHERE deleted_at IS NULL;
CREATE INDEX        hosts_live              ON hosts (tenant, n)                WHERE deleted_at IS NULL;
CREATE INDEX        hosts_removed           ON hosts (tenant, state, n)         WHERE state <> 'active';
CREATE INDEX        hosts_external_id_live  ON hosts (tenant, external_id)      WHERE deleted_at IS NULL;
CREATE INDEX        hosts_display_name_live ON hosts (tenant, display_name_key) WHERE deleted_at IS NULL;
CREATE INDEX        hosts_email_live        ON hosts (tenant, email_key)        WHERE deleted_at IS NULL;
CREATE INDEX        hosts_xid               ON hosts (tenant, xid, n);
CREATE INDEX        hosts_state_xid         ON hosts (tenant, state_xid);

CREATE TABLE groups (
    tenant           text        NOT NULL,
    n                bigserial   NOT NULL,
    id               text        NOT NULL,
    xid              bigint      NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    display_name     text        NOT NULL,
    display_name_key text        NOT NULL,
    external_id      text        NOT NULL DEFAULT '',
    attrs            text        NOT NULL, -- canonical attributes without members
    created          timestamptz NOT NULL,
    modified         timestamptz NOT NULL,
    deleted_at       timestamptz,
    deleted_by       text        NOT NULL DEFAULT '',
    PRIMARY KEY (tenant, n),
    UNIQUE (tenant, id)
);
CREATE UNIQUE INDEX groups_display_name_live ON groups (tenant, display_name_key) WHERE deleted_at IS NULL;
CREATE INDEX        groups_live              ON groups (tenant, n)                WHERE deleted_at IS NULL;
CREATE INDEX        groups_external_id_live  ON groups (tenant, external_id)      WHERE deleted_at IS NULL;
CREATE INDEX        groups_xid               ON groups (tenant, xid, n);

-- pos keeps insertion order within a group. Rows of deleted hosts stay, so a
-- restored host is back in its groups; reads join on live hosts.
CREATE TABLE memberships (
    tenant  text   NOT NULL,
    group_n bigint NOT NULL,
    pos     bigint NOT NULL,
    host_n  bigint NOT NULL,
    PRIMARY KEY (tenant, group_n, pos),
    UNIQUE (tenant, group_n, host_n),
    FOREIGN KEY (tenant, group_n) REFERENCES groups (tenant, n),
    FOREIGN KEY (tenant, host_n) REFERENCES hosts (tenant, n)
);
CREATE INDEX memberships_host ON memberships (tenant, host_n);

-- Only SHA-256 hashes of secrets are stored; prefix is the first 8
-- characters of the secret, safe to display.
CREATE TABLE api_keys (
    tenant      text        NOT NULL,
    id          bigserial   NOT NULL,
    label       text        NOT NULL,
    prefix      text        NOT NULL,
    idp         text        NOT NULL,
    hash        bytea       NOT NULL,
    created     timestamptz NOT NULL,
    last_used   timestamptz,
    last_method text        NOT NULL DEFAULT '',
    last_path   text        NOT NULL DEFAULT '',
    revoked     timestamptz,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, hash)
);

-- At most one admin credential per tenant; rotating replaces it.
CREATE TABLE admin_token (
    tenant  text        NOT NULL PRIMARY KEY,
    prefix  text        NOT NULL,
    hash    bytea       NOT NULL,
    created timestamptz NOT NULL
);

-- The last call refused for its credential, one row per door: 'scim' (an
-- identity provider's wrong API key) and 'admin' (a wrong admin credential).
CREATE TABLE rejected_calls (
    tenant text        NOT NULL,
    kind   text        NOT NULL CHECK (kind IN ('scim', 'admin')),
    at     timestamptz NOT NULL,
    method text        NOT NULL DEFAULT '',
    path   text        NOT NULL DEFAULT '',
    remote text        NOT NULL DEFAULT '',
    reason text        NOT NULL DEFAULT '',
    PRIMARY KEY (tenant, kind)
);
