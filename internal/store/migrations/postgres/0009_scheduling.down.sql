DROP TABLE session_types;
DROP TABLE availability;
