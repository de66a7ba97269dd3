DROP TABLE coach_slugs;
