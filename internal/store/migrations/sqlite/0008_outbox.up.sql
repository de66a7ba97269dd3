-- The practice's emails, written in the same transaction as the change
-- that causes each one, and sent by one server at a time (the lease
-- "mail-sender"). dedupe_key names an email (kind, what it is about, a
-- sequence) so that the same email is never queued twice. A row stays
-- after it is sent (sent_at) or given up (gave_up_at), for the record and
-- the developer's /dev/mail.
CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY,
	dedupe_key      TEXT NOT NULL UNIQUE,
	to_address      TEXT NOT NULL,
	to_name         TEXT NOT NULL DEFAULT '',
	subject         TEXT NOT NULL,
	text_body       TEXT NOT NULL,
	html_body       TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL,
	sent_at         TEXT,
	gave_up_at      TEXT,
	last_error      TEXT NOT NULL DEFAULT ''
);
-- The sender's question: what is due, oldest first.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE sent_at IS NULL AND gave_up_at IS NULL;
