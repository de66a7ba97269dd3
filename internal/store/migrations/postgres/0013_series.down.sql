DROP INDEX appointments_series;
ALTER TABLE appointments DROP COLUMN series_id;
