-- Erasures of clients: asked (by the client, with a grace to undo it, or
-- by an admin, at once), cancelled, or done. The row stays once done, the
-- record that the erasure happened: who asked, when, and what it removed
-- in numbers, never any of the content.
CREATE TABLE erasures (
	id           BIGSERIAL PRIMARY KEY,
	user_id      BIGINT NOT NULL,
	requested_by BIGINT NOT NULL,
	requested_at TIMESTAMPTZ NOT NULL,
	due_at       TIMESTAMPTZ NOT NULL,
	cancelled_at TIMESTAMPTZ,
	erased_at    TIMESTAMPTZ,
	detail       TEXT NOT NULL DEFAULT ''
);
-- At most one erasure of a person waits at a time.
CREATE UNIQUE INDEX erasures_pending ON erasures (user_id) WHERE cancelled_at IS NULL AND erased_at IS NULL;
CREATE INDEX erasures_due ON erasures (due_at) WHERE cancelled_at IS NULL AND erased_at IS NULL;
