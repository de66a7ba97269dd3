-- A coach's invitations to work with whoever has an email. A link
-- (coach_clients) is made only when the invited person accepts, so that
-- a coach who knows an email sees nothing of an existing person's profile
-- and books nothing with them on their own. Invitations are by email
-- whether or not an account has it, so that they tell nothing of who has
-- one; email is matched without regard to case.
CREATE TABLE invitations (
	coach_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	email      TEXT NOT NULL,
	name       TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX invitations_coach_email ON invitations (coach_id, lower(email));
CREATE INDEX invitations_email ON invitations (lower(email));
