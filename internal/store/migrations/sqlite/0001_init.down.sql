DROP TABLE messages;
DROP TABLE call_sessions;
DROP TABLE appointments;
DROP TABLE coach_clients;
DROP TABLE profiles;
DROP TABLE users;
