-- Sign-in sessions kept on the server, so that signing out ends a session
-- for good and one device can be signed out without the others. The
-- cookie carries a random token; only its SHA-256 is stored. version is
-- the user's session_version when the session began: signing out
-- everywhere, disabling and the membership sync move the user's on.
CREATE TABLE sessions (
	id           INTEGER PRIMARY KEY,
	token_hash   TEXT NOT NULL UNIQUE,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	version      INTEGER NOT NULL,
	created_at   TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	user_agent   TEXT NOT NULL DEFAULT '',
	ip_prefix    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id, last_seen_at);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
