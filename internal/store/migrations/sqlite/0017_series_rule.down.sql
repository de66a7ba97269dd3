ALTER TABLE appointments DROP COLUMN occurrence_at;
DROP TABLE series;
