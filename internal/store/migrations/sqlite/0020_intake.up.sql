-- Intake questionnaires. A coach's questionnaire as they edit it: its
-- questions are a JSON list ([{id, kind, text, required, options}] in the
-- order asked); next_question is the ID the next new question gets, so
-- that no ID is reused. version_id is the version last frozen from it
-- (NULL: none yet) and changed says it was edited since: the next request
-- freezes a new version. ask_every_booking asks it again at every booking
-- of a session type that asks for it; otherwise a client is asked once.
CREATE TABLE questionnaires (
	id                INTEGER PRIMARY KEY,
	coach_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	title             TEXT NOT NULL,
	intro             TEXT NOT NULL DEFAULT '',
	questions         TEXT NOT NULL,
	next_question     INTEGER NOT NULL,
	ask_every_booking INTEGER NOT NULL DEFAULT 0,
	version_id        INTEGER,
	changed           INTEGER NOT NULL DEFAULT 1,
	archived          INTEGER NOT NULL DEFAULT 0,
	created_at        TEXT NOT NULL,
	updated_at        TEXT NOT NULL
);
CREATE INDEX questionnaires_coach ON questionnaires (coach_id, archived);

-- What a questionnaire asked when it was sent: never changed, so that
-- answers keep the questions they answered.
CREATE TABLE questionnaire_versions (
	id               INTEGER PRIMARY KEY,
	questionnaire_id INTEGER NOT NULL REFERENCES questionnaires (id) ON DELETE CASCADE,
	number           INTEGER NOT NULL,
	title            TEXT NOT NULL,
	intro            TEXT NOT NULL,
	questions        TEXT NOT NULL,
	created_at       TEXT NOT NULL,
	UNIQUE (questionnaire_id, number)
);

-- The questionnaire a session type asks of whoever books it: one at most.
CREATE TABLE session_type_questionnaires (
	session_type_id  INTEGER PRIMARY KEY REFERENCES session_types (id) ON DELETE CASCADE,
	questionnaire_id INTEGER NOT NULL REFERENCES questionnaires (id) ON DELETE CASCADE
);
CREATE INDEX session_type_questionnaires_questionnaire ON session_type_questionnaires (questionnaire_id);

-- A questionnaire sent to a client at a version, directly or by a booking
-- (appointment_id); answers is a JSON object {question id: [values]};
-- saved_at is the last draft, submitted_at the submission, after which
-- the row no longer changes.
CREATE TABLE questionnaire_requests (
	id               INTEGER PRIMARY KEY,
	questionnaire_id INTEGER NOT NULL REFERENCES questionnaires (id) ON DELETE CASCADE,
	version_id       INTEGER NOT NULL REFERENCES questionnaire_versions (id) ON DELETE CASCADE,
	coach_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	appointment_id   INTEGER REFERENCES appointments (id) ON DELETE SET NULL,
	answers          TEXT NOT NULL DEFAULT '{}',
	sent_at          TEXT NOT NULL,
	saved_at         TEXT,
	submitted_at     TEXT
);
CREATE INDEX questionnaire_requests_client ON questionnaire_requests (client_id, sent_at);
CREATE INDEX questionnaire_requests_coach ON questionnaire_requests (coach_id, sent_at);
CREATE INDEX questionnaire_requests_questionnaire ON questionnaire_requests (questionnaire_id, client_id);
CREATE INDEX questionnaire_requests_appointment ON questionnaire_requests (appointment_id);
