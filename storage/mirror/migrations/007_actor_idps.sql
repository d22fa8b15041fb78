-- Who acted, by identity provider (#15). The service names a removed host's
-- remover ("Okta (key #3)") and tells each activity entry's key's IdP.
-- Hosts mirrored before this step get the names when the next sync fetches
-- every host again: the change cursor goes back to the start, as in step 6.
-- Entries mirrored before keep idp '': the activity log is not fetched again
-- (it can hold millions of entries, and entries are never rewritten); reading
-- one falls back to the IdP of the host an API key's entry is about (see
-- eventIdP in activity.go).
ALTER TABLE hosts ADD COLUMN deactivated_by_name TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN deleted_by_name TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN idp TEXT NOT NULL DEFAULT '';
DELETE FROM sync_state WHERE name = 'changes_cursor';
