ALTER TABLE appointments DROP COLUMN call_mode;
