-- A request nobody answered becomes a cancellation: the older schema
-- knows no 'requested'.
UPDATE appointments SET status = 'cancelled', cancel_reason = 'the request was not answered'
	WHERE status = 'requested';
ALTER TABLE appointments DROP CONSTRAINT appointments_status_check;
ALTER TABLE appointments ADD CONSTRAINT appointments_status_check
	CHECK (status IN ('scheduled', 'cancelled', 'completed', 'no_show'));

ALTER TABLE session_types DROP COLUMN confirm;
