-- A client's cancellation inside the coach's notice for changes is marked
-- late, for the coach to see.
ALTER TABLE appointments ADD COLUMN cancelled_late INTEGER NOT NULL DEFAULT 0;
