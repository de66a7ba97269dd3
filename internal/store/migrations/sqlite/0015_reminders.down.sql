ALTER TABLE outbox DROP COLUMN unsubscribe;
DROP INDEX appointments_upcoming;
DROP TABLE appointment_reminders;
DROP TABLE email_preferences;
