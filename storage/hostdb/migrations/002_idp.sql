-- Identity providers (#15): every API key belongs to one, and a host keeps the
-- IdP of the key that created it. Keys made before this step were all made by
-- the console's Azure AD page. A host's creator is in the activity log (its
-- host.created event's actor); hosts created by the command line or an admin
-- keep the empty IdP (not known).
ALTER TABLE api_keys ADD COLUMN idp TEXT NOT NULL DEFAULT '';
UPDATE api_keys SET idp = 'azuread';

-- The method and path of each key's last call, flushed with last_used, so
-- that the console's header can say what the last call was after a restart.
ALTER TABLE api_keys ADD COLUMN last_method TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_path   TEXT NOT NULL DEFAULT '';

ALTER TABLE hosts ADD COLUMN idp TEXT NOT NULL DEFAULT '';
UPDATE hosts SET idp = c.idp
FROM (SELECT a.resource_id AS host_id, min(a.seq), k.idp AS idp
      FROM activity a JOIN api_keys k ON a.actor = 'apikey:' || k.id
      WHERE a.action = 'host.created' GROUP BY a.resource_id) AS c
WHERE hosts.id = c.host_id;

-- The last call refused for its credential, one row per door: 'scim' (an
-- identity provider's wrong API key) and 'admin' (a wrong admin credential).
-- The activity log keeps every refusal (at most one a second); this table is
-- what the status endpoint reads after a restart.
CREATE TABLE rejected_calls (
    kind   TEXT    PRIMARY KEY CHECK (kind IN ('scim', 'admin')),
    at     INTEGER NOT NULL,            -- unix ms, UTC
    method TEXT    NOT NULL DEFAULT '',
    path   TEXT    NOT NULL DEFAULT '',
    remote TEXT    NOT NULL DEFAULT '',
    reason TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;
-- The last refusals logged before this step, without method and path (they
-- were not recorded then); admin API refusals' reasons started "admin API:".
INSERT INTO rejected_calls (kind, at, remote, reason)
SELECT CASE WHEN detail LIKE 'admin API:%' THEN 'admin' ELSE 'scim' END AS kind, max(at), resource_id, detail
FROM activity WHERE action = 'auth.rejected'
GROUP BY kind;

-- Each IdP's last change to a host or group (lastcalls.go), written from
-- memory every 10 s and at close, so that a restart reads the activity log
-- only after the latest of them instead of all of it.
CREATE TABLE idp_last_changes (
    idp    TEXT    PRIMARY KEY,
    seq    INTEGER NOT NULL,            -- the activity entry of the change
    at     INTEGER NOT NULL,            -- unix ms, UTC
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL DEFAULT '',
    method TEXT    NOT NULL DEFAULT '', -- the request that made it, when known
    path   TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;
