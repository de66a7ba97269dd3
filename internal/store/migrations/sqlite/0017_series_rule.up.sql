-- A series keeps its rule, so that calendars receive it as one recurring
-- event (RRULE) rather than as dozens of invitations: every one or two
-- weeks, count occurrences from first_start on the coach's clock
-- (time_zone). sequence rises each time the whole series is sent again.
-- Each occurrence remembers the start the rule gave it (occurrence_at):
-- iCalendar's RECURRENCE-ID, which names it after it is moved.
CREATE TABLE series (
	id               TEXT PRIMARY KEY,
	every_weeks      INTEGER NOT NULL CHECK (every_weeks IN (1, 2)),
	count            INTEGER NOT NULL CHECK (count BETWEEN 2 AND 53),
	time_zone        TEXT NOT NULL,
	first_start      TEXT NOT NULL,
	duration_minutes INTEGER NOT NULL,
	title            TEXT NOT NULL,
	sequence         INTEGER NOT NULL DEFAULT 0,
	created_at       TEXT NOT NULL
);
ALTER TABLE appointments ADD COLUMN occurrence_at TEXT;
