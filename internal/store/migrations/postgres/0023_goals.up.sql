-- A client's goals with one of their coaches, which the two of them write:
-- a title, progress from 0 to 100 and an optional note. done says it was
-- marked achieved by hand; achieved_at is when it became achieved (progress
-- 100, or done), NULL while it is not. created_by and updated_by are who
-- wrote it first and last: the coach or the client.
CREATE TABLE goals (
	id          BIGSERIAL PRIMARY KEY,
	coach_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	title       TEXT NOT NULL,
	progress    INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
	note        TEXT NOT NULL DEFAULT '',
	done        INTEGER NOT NULL DEFAULT 0, -- 1: marked achieved by hand
	achieved_at TIMESTAMPTZ,
	created_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
	created_at  TIMESTAMPTZ NOT NULL,
	updated_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
	updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX goals_client ON goals (client_id, coach_id, created_at);
CREATE INDEX goals_coach ON goals (coach_id);
