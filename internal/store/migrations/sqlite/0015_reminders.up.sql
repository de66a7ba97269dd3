-- Reminders, each person's email choices, and one-click unsubscribe.
--
-- Each person's choices of the emails they get (1: yes), and the seed of
-- their unsubscribe link: the link's token is made from the seed and the
-- server's key, so that every reminder can carry it again; the token is
-- looked up by its SHA-256, so the table alone unsubscribes nobody. A
-- person with no row gets every email.
CREATE TABLE email_preferences (
	user_id          INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	bookings         INTEGER NOT NULL DEFAULT 1,
	reminders        INTEGER NOT NULL DEFAULT 1,
	unsubscribe_seed TEXT NOT NULL,
	unsubscribe_hash TEXT NOT NULL UNIQUE,
	updated_at       TEXT NOT NULL
);

-- The reminders handled: one row per appointment, sequence (a moved
-- appointment has a new one, so fresh reminders) and offset before the
-- start, written in the transaction that queues its emails (or decides
-- they are not sent), so that none is handled twice.
CREATE TABLE appointment_reminders (
	appointment_id INTEGER NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
	sequence       INTEGER NOT NULL,
	offset_minutes INTEGER NOT NULL,
	handled_at     TEXT NOT NULL,
	PRIMARY KEY (appointment_id, sequence, offset_minutes)
);

-- The reminder loop's question: the scheduled appointments that start in
-- the next days, one index range.
CREATE INDEX appointments_upcoming ON appointments (starts_at) WHERE status = 'scheduled';

-- An email's one-click unsubscribe URL (List-Unsubscribe), or ''.
ALTER TABLE outbox ADD COLUMN unsubscribe TEXT NOT NULL DEFAULT '';
