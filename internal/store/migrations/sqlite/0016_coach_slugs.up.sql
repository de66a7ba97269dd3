-- Each coach's public booking link, /book/<slug>: one slug a coach, unique
-- across everyone. A new slug replaces the row: the old one stops working.
CREATE TABLE coach_slugs (
	user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	slug       TEXT NOT NULL UNIQUE,
	updated_at TEXT NOT NULL
);
