DROP TABLE appointment_summaries;
ALTER TABLE call_sessions DROP COLUMN transcript_off;
DROP TABLE transcript_lines;
