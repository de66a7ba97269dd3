-- The audit log: who did what to whose data, and when. actor_id is who did
-- it (0: the system: the Skool sync, a nightly job, the command line);
-- subject_id is the person it concerns (0: none). Neither refers to users:
-- an entry outlives the people it names (an erasure keeps its record,
-- without them). detail says what without content: never a note's or a
-- message's text. The nightly retention deletes entries older than
-- AUDIT_RETENTION.
CREATE TABLE audit_entries (
	id         BIGSERIAL PRIMARY KEY,
	at         TIMESTAMPTZ NOT NULL,
	actor_id   BIGINT NOT NULL DEFAULT 0,
	action     TEXT NOT NULL,
	subject_id BIGINT NOT NULL DEFAULT 0,
	detail     TEXT NOT NULL DEFAULT ''
);
-- The admin page's questions: the newest entries, of an actor, of a person
-- concerned; and the retention's: the oldest.
CREATE INDEX audit_entries_at ON audit_entries (at);
CREATE INDEX audit_entries_actor ON audit_entries (actor_id, at);
CREATE INDEX audit_entries_subject ON audit_entries (subject_id, at);
