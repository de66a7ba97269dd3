ALTER TABLE email_preferences DROP COLUMN messages;
DROP TABLE conversation_reads;
DROP TABLE conversation_messages;
DROP TABLE conversation_file_data;
DROP TABLE conversation_files;
DROP TABLE conversations;
