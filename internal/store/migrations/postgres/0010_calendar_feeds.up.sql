-- Calendar feeds. An appointment's sequence rises on every change, so that
-- a calendar that holds it (a subscribed feed, an invitation) takes the
-- newer copy (iCalendar's SEQUENCE).
ALTER TABLE appointments ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;

-- Each person's private feed: the feed's token is made from seed and the
-- server's key (so that the profile can show it again), and looked up by
-- its SHA-256; the table alone gives no working link. One per person: a
-- new link replaces the row.
CREATE TABLE calendar_feeds (
	user_id    BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	seed       TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at TIMESTAMPTZ NOT NULL
);
