-- A weekly or fortnightly series of appointments shares a series ID; each
-- occurrence is an appointment of its own.
ALTER TABLE appointments ADD COLUMN series_id TEXT NOT NULL DEFAULT '';
CREATE INDEX appointments_series ON appointments (series_id, starts_at);
