-- Booking requests: a session type says whether a booking is confirmed at
-- once (instant) or is a request the coach accepts; an appointment booked
-- from a request type waits as 'requested' until the coach answers.
ALTER TABLE session_types ADD COLUMN confirm TEXT NOT NULL DEFAULT 'instant' CHECK (confirm IN ('instant', 'request'));

ALTER TABLE appointments DROP CONSTRAINT appointments_status_check;
ALTER TABLE appointments ADD CONSTRAINT appointments_status_check
	CHECK (status IN ('requested', 'scheduled', 'cancelled', 'completed', 'no_show'));
