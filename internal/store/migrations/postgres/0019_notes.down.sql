DROP TABLE note_templates;
DROP TABLE private_notes;
