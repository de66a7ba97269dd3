-- Booking requests: a session type says whether a booking is confirmed at
-- once (instant) or is a request the coach accepts; an appointment booked
-- from a request type waits as 'requested' until the coach answers.
ALTER TABLE session_types ADD COLUMN confirm TEXT NOT NULL DEFAULT 'instant' CHECK (confirm IN ('instant', 'request'));

-- SQLite cannot change a CHECK in place, and rebuilding appointments
-- would cascade-delete its call sessions (DROP TABLE deletes every row
-- first, with foreign keys on). So the status moves to a new column with
-- the wider CHECK, in the same transaction; status is in no index.
ALTER TABLE appointments ADD COLUMN status_next TEXT NOT NULL DEFAULT 'scheduled'
	CHECK (status_next IN ('requested', 'scheduled', 'cancelled', 'completed', 'no_show'));
UPDATE appointments SET status_next = status;
ALTER TABLE appointments DROP COLUMN status;
ALTER TABLE appointments RENAME COLUMN status_next TO status;
