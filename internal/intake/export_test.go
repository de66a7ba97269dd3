package intake

import "rapport/internal/app"

// Validate is what a questionnaire's content is refused for, as the
// tests read it: the fields of Questionnaire.edit's refusal that are the
// content's.
func Validate(c *Content) error { return app.Invalid(c.problems()) }
