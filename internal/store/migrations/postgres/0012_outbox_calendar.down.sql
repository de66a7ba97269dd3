ALTER TABLE outbox DROP COLUMN calendar_method;
ALTER TABLE outbox DROP COLUMN calendar;
