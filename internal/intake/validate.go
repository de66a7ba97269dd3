package intake

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// The bounds of a questionnaire and of its answers.
const (
	MaxQuestions    = 100
	MaxOptions      = 30
	maxTitle        = 200
	maxIntro        = 5000
	maxQuestionText = 500
	maxOption       = 200
	maxShortAnswer  = 500
	maxLongAnswer   = 10000
	// The scale's ends.
	ScaleMin = 1
	ScaleMax = 10
	// DateLayout is how a date answer is written.
	DateLayout = "2006-01-02"
)

// tidy trims the title and every question's text and options, and drops
// the options left empty (a form's blank lines).
func (c *Content) tidy() {
	c.Title = strings.TrimSpace(c.Title)
	c.Intro = strings.TrimSpace(c.Intro)
	for i := range c.Questions {
		q := &c.Questions[i]
		q.Text = strings.TrimSpace(q.Text)
		opts := make([]string, 0, len(q.Options))
		for _, o := range q.Options {
			if o = strings.TrimSpace(o); o != "" {
				opts = append(opts, o)
			}
		}
		q.Options = opts
	}
}

// problems checks a questionnaire's content and says what is wrong, by
// field: it needs a title, at least one question and at most
// MaxQuestions, each of a known kind with a text, and the choice
// questions with options (two at least for OneChoice, one for Choices),
// each once. A field is named "title", "intro", "questions", or
// "questions.<index from 0>.<text, kind or options>", its reason naming
// the question by its number and text. Questionnaire.edit adds the
// question IDs' problems and refuses them all at once.
func (c *Content) problems() map[string]string {
	fields := map[string]string{}
	if c.Title == "" {
		fields["title"] = "is required"
	} else {
		checkText(fields, "title", c.Title, coaching.SingleLine, maxTitle)
	}
	checkText(fields, "intro", c.Intro, coaching.MultiLine, maxIntro)
	switch n := len(c.Questions); {
	case n == 0:
		fields["questions"] = "needs at least one question"
	case n > MaxQuestions:
		fields["questions"] = fmt.Sprintf("must be at most %d questions", MaxQuestions)
	}
	for i := range c.Questions {
		c.Questions[i].validate(fields, i)
	}
	return fields
}

// validate adds to fields what is wrong with q, the question at index i.
func (q *Question) validate(fields map[string]string, i int) {
	key := "questions." + strconv.Itoa(i) + "."
	at := " (" + questionName(i, q) + ")"
	if q.Text == "" {
		fields[key+"text"] = "is required" + at
	} else if msg := textProblem(q.Text, coaching.SingleLine, maxQuestionText); msg != "" {
		fields[key+"text"] = msg + at
	}
	if !q.Kind.Valid() {
		fields[key+"kind"] = "must be one of short_text, long_text, one_choice, choices, scale, date" + at
		return
	}
	if msg := q.optionsProblem(); msg != "" {
		fields[key+"options"] = msg + at
	}
}

// optionsProblem says what is wrong with q's options for its kind, or "".
func (q *Question) optionsProblem() string {
	if !q.Kind.HasOptions() {
		if len(q.Options) > 0 {
			return "are only for choice questions"
		}
		return ""
	}
	least := 1
	if q.Kind == OneChoice {
		least = 2
	}
	switch {
	case len(q.Options) < least && least == 1:
		return "needs at least one option"
	case len(q.Options) < least:
		return "needs at least two options"
	case len(q.Options) > MaxOptions:
		return fmt.Sprintf("must be at most %d options", MaxOptions)
	}
	seen := map[string]bool{}
	for _, o := range q.Options {
		if msg := textProblem(o, coaching.SingleLine, maxOption); msg != "" {
			return "option “" + short(o) + "” " + msg
		}
		if seen[o] {
			return "lists “" + short(o) + "” twice"
		}
		seen[o] = true
	}
	return ""
}

// Check judges the answers given to c's questions, as typed: by question
// ID (written out as a number), the values given, one for most kinds and
// any number for Choices. It returns them tidied (trimmed, the choices in
// the options' order, a scale and a date each in one spelling, the empty
// ones left out), or an EINVALID error naming each wrong answer as the
// field "answers.<ID>" and the question in its reason: an answer to a
// question that does not exist, of the wrong kind (text for a scale, a
// choice not offered, a scale outside 1-10, a date that is none), too
// long, or, when final (a submission), a required question left empty. A
// draft may leave any question out.
func (c *Content) Check(given map[string][]string, final bool) (Answers, error) {
	fields := map[string]string{}
	byID := map[int64][]string{}
	for key, values := range given {
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil || c.Question(id) == nil {
			fields[answerField(key)] = "is not a question of this questionnaire"
			continue
		}
		byID[id] = values
	}
	out := Answers{}
	for i := range c.Questions {
		q := &c.Questions[i]
		values, msg := q.check(nonEmpty(byID[q.ID]))
		switch {
		case msg != "":
			fields["answers."+strconv.FormatInt(q.ID, 10)] = msg + " (" + questionName(i, q) + ")"
		case len(values) > 0:
			out[q.ID] = values
		case final && q.Required:
			fields["answers."+strconv.FormatInt(q.ID, 10)] = "is required (" + questionName(i, q) + ")"
		}
	}
	if err := app.Invalid(fields); err != nil {
		return nil, err
	}
	return out, nil
}

// answerField is the field of an answer to a key that names no question:
// the key itself when it is short and plain, else "answers".
func answerField(key string) string {
	if len(key) > 0 && len(key) <= 20 && strings.Trim(key, "0123456789-") == "" {
		return "answers." + key
	}
	return "answers"
}

// nonEmpty trims values and drops the empty ones.
func nonEmpty(values []string) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// check returns the answer values (trimmed, not empty) tidied for q's
// kind, or why they are no answer to it.
func (q *Question) check(values []string) ([]string, string) {
	if len(values) == 0 {
		return nil, ""
	}
	if q.Kind != Choices && len(values) > 1 {
		return nil, "takes one answer"
	}
	v := values[0]
	switch q.Kind {
	case ShortText:
		return values, textProblem(v, coaching.SingleLine, maxShortAnswer)
	case LongText:
		return values, textProblem(v, coaching.MultiLine, maxLongAnswer)
	case OneChoice:
		if !slices.Contains(q.Options, v) {
			return nil, "“" + short(v) + "” is not one of the options"
		}
		return values, ""
	case Choices:
		return q.checkChoices(values)
	case Scale:
		return checkScale(v)
	case Date:
		return checkDate(v)
	}
	return nil, "is a question of an unknown kind"
}

// checkChoices keeps each chosen option once, in the options' order.
func (q *Question) checkChoices(values []string) ([]string, string) {
	for _, v := range values {
		if !slices.Contains(q.Options, v) {
			return nil, "“" + short(v) + "” is not one of the options"
		}
	}
	out := make([]string, 0, len(values))
	for _, o := range q.Options {
		if slices.Contains(values, o) {
			out = append(out, o)
		}
	}
	return out, ""
}

// checkScale reads a whole number from ScaleMin to ScaleMax.
func checkScale(v string) ([]string, string) {
	n, err := strconv.Atoi(v)
	if err != nil || n < ScaleMin || n > ScaleMax {
		return nil, fmt.Sprintf("must be a whole number from %d to %d", ScaleMin, ScaleMax)
	}
	return []string{strconv.Itoa(n)}, ""
}

// checkDate reads a date like 2030-12-31 between the years 1900 and 2200.
func checkDate(v string) ([]string, string) {
	d, err := time.Parse(DateLayout, v)
	if err != nil || d.Year() < 1900 || d.Year() > 2200 {
		return nil, "must be a date like 2030-12-31"
	}
	return []string{d.Format(DateLayout)}, ""
}

// questionName names the question at index i for a person: "question 3,
// “How do you sleep?”".
func questionName(i int, q *Question) string {
	if q.Text == "" {
		return "question " + strconv.Itoa(i+1)
	}
	return "question " + strconv.Itoa(i+1) + ", “" + short(q.Text) + "”"
}

// short cuts s to 60 characters for a message.
func short(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:59]) + "…"
}

// checkText adds to fields why s may not be kept as the field's text.
func checkText(fields map[string]string, name, s string, kind coaching.TextKind, max int) {
	if msg := textProblem(s, kind, max); msg != "" {
		fields[name] = msg
	}
}

// textProblem says why s may not be kept as free text of the kind and at
// most max characters, or "".
func textProblem(s string, kind coaching.TextKind, max int) string {
	if msg := coaching.CheckText(s, kind); msg != "" {
		return msg
	}
	if utf8.RuneCountInString(s) > max {
		return fmt.Sprintf("must be at most %d characters", max)
	}
	return ""
}

// equal reports whether two contents ask the same.
func (c *Content) equal(o *Content) bool {
	return c.Title == o.Title && c.Intro == o.Intro && slices.EqualFunc(c.Questions, o.Questions, func(a, b Question) bool {
		return a.ID == b.ID && a.Kind == b.Kind && a.Text == b.Text && a.Required == b.Required && slices.Equal(a.Options, b.Options)
	})
}
