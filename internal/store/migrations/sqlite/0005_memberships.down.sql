DROP TABLE leases;
DROP TABLE membership_events;
DROP TABLE membership_runs;
DROP TABLE memberships;
ALTER TABLE users DROP COLUMN role_pinned;
