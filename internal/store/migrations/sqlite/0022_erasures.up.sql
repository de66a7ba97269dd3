-- Erasures of clients: asked (by the client, with a grace to undo it, or
-- by an admin, at once), cancelled, or done. The row stays once done, the
-- record that the erasure happened: who asked, when, and what it removed
-- in numbers, never any of the content.
CREATE TABLE erasures (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL,
	requested_by INTEGER NOT NULL,
	requested_at TEXT NOT NULL,
	due_at       TEXT NOT NULL,
	cancelled_at TEXT,
	erased_at    TEXT,
	detail       TEXT NOT NULL DEFAULT ''
);
-- At most one erasure of a person waits at a time.
CREATE UNIQUE INDEX erasures_pending ON erasures (user_id) WHERE cancelled_at IS NULL AND erased_at IS NULL;
CREATE INDEX erasures_due ON erasures (due_at) WHERE cancelled_at IS NULL AND erased_at IS NULL;
