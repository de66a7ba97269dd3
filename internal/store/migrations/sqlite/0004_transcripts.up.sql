-- What the AI co-coach heard in a call, line by line (unless the coach
-- turned the session's transcript off), and the summary it writes of a
-- call, with action items, kept with the appointment.
CREATE TABLE transcript_lines (
	id         INTEGER PRIMARY KEY,
	session_id INTEGER NOT NULL REFERENCES call_sessions (id) ON DELETE CASCADE,
	speaker_id INTEGER REFERENCES users (id), -- NULL: the AI
	body       TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX transcript_lines_session ON transcript_lines (session_id, id);
ALTER TABLE call_sessions ADD COLUMN transcript_off INTEGER NOT NULL DEFAULT 0;

CREATE TABLE appointment_summaries (
	appointment_id INTEGER PRIMARY KEY REFERENCES appointments (id) ON DELETE CASCADE,
	body           TEXT NOT NULL,
	shared         INTEGER NOT NULL DEFAULT 0, -- 1: the client may read it
	written_at     TEXT NOT NULL
);
