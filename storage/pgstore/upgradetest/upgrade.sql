-- Only in builds with the tag visitly_upgrade_test: the next migration of a
-- rolling upgrade, for cmd/visitly-scimd's replica tests. Each time it runs
-- it leaves a row, so the test can count that it ran once.
CREATE TABLE upgrade_test_runs (ran_at timestamptz NOT NULL DEFAULT now());
INSERT INTO upgrade_test_runs DEFAULT VALUES;
ALTER TABLE hosts ADD COLUMN upgrade_test_note text NOT NULL DEFAULT '';
