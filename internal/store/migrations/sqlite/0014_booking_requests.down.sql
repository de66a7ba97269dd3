-- A request nobody answered becomes a cancellation: the older schema
-- knows no 'requested'.
UPDATE appointments SET status = 'cancelled', cancel_reason = 'the request was not answered'
	WHERE status = 'requested';
ALTER TABLE appointments ADD COLUMN status_prev TEXT NOT NULL DEFAULT 'scheduled'
	CHECK (status_prev IN ('scheduled', 'cancelled', 'completed', 'no_show'));
UPDATE appointments SET status_prev = status;
ALTER TABLE appointments DROP COLUMN status;
ALTER TABLE appointments RENAME COLUMN status_prev TO status;

ALTER TABLE session_types DROP COLUMN confirm;
