DROP TABLE questionnaire_requests;
DROP TABLE session_type_questionnaires;
DROP TABLE questionnaire_versions;
DROP TABLE questionnaires;
