-- The coach's private notes about a client, in Markdown: of one session
-- (appointment_id) or of the client in general (NULL). Only the coach who
-- wrote one reads it (and the admins, when PRIVATE_NOTES_ADMINS allows);
-- never the client. ai_may_read: the coach lets the AI co-coach read it.
CREATE TABLE private_notes (
	id             INTEGER PRIMARY KEY,
	coach_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	appointment_id INTEGER REFERENCES appointments (id) ON DELETE SET NULL,
	body           TEXT NOT NULL,
	ai_may_read    INTEGER NOT NULL DEFAULT 0, -- 1: the AI co-coach may read it
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL
);
CREATE INDEX private_notes_client ON private_notes (client_id, coach_id, created_at);
CREATE INDEX private_notes_appointment ON private_notes (appointment_id);

-- A coach's own templates for new notes, by name (unique per coach); the
-- built-in ones (a free note, GROW) live in the code.
CREATE TABLE note_templates (
	id         INTEGER PRIMARY KEY,
	coach_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	body       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (coach_id, name)
);
