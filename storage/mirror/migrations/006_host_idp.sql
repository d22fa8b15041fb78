-- The identity provider that provisioned each host (#15), as the change feed
-- sends it. Hosts mirrored before this step do not have it yet: the change
-- cursor goes back to the start, so that the next sync fetches every host
-- again (with its IdP) and updates it in place.
ALTER TABLE hosts ADD COLUMN idp TEXT NOT NULL DEFAULT '';
DELETE FROM sync_state WHERE name = 'changes_cursor';
