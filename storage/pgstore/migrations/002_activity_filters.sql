-- A filtered activity page (one host's history, one action) reads in feed
-- order, (xid, seq): with the filter's column first and xid next, it walks
-- only its own entries instead of the whole feed from the cursor on.
DROP INDEX activity_resource;
DROP INDEX activity_action;
CREATE INDEX activity_resource ON activity (tenant, resource_id, xid, seq);
CREATE INDEX activity_action   ON activity (tenant, action, xid, seq);
