-- An email may carry a calendar invitation (an appointment booked, moved
-- or cancelled): the iCalendar object, and its iTIP method (REQUEST,
-- CANCEL), which the text/calendar part's Content-Type repeats. Empty for
-- an email without one.
ALTER TABLE outbox ADD COLUMN calendar TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN calendar_method TEXT NOT NULL DEFAULT '';
