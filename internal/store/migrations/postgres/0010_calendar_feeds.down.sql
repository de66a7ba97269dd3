DROP TABLE calendar_feeds;
ALTER TABLE appointments DROP COLUMN sequence;
