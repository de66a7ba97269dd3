package intake_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"rapport/internal/app"
	"rapport/internal/intake"
)

// content is a questionnaire of every kind: questions 1 to 6, of which
// the short text (1) and the scale (5) are required.
func content() *intake.Content {
	return &intake.Content{Title: "Before we start", Questions: []intake.Question{
		{ID: 1, Kind: intake.ShortText, Text: "What brings you here?", Required: true},
		{ID: 2, Kind: intake.LongText, Text: "Tell me more"},
		{ID: 3, Kind: intake.OneChoice, Text: "How did you hear of me?", Options: []string{"A friend", "Online"}},
		{ID: 4, Kind: intake.Choices, Text: "What do you want to work on?", Options: []string{"Career", "Health", "Family"}},
		{ID: 5, Kind: intake.Scale, Text: "How well do you sleep?", Required: true},
		{ID: 6, Kind: intake.Date, Text: "When did it start?"},
	}}
}

// TestValidate: a questionnaire needs a title and questions, each with a
// text and a known kind, and a choice question its options; each refusal
// names the field and, for a question, its number and text.
func TestValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(c *intake.Content)
		fields map[string]string // field: a part of its reason; nil: valid
	}{
		{"every kind", func(c *intake.Content) {}, nil},
		{"no title", func(c *intake.Content) { c.Title = "" }, map[string]string{"title": "is required"}},
		{"a title of two lines", func(c *intake.Content) { c.Title = "a\nb" }, map[string]string{"title": "single line"}},
		{"a title too long", func(c *intake.Content) { c.Title = strings.Repeat("t", 201) }, map[string]string{"title": "at most 200"}},
		{"an intro of paragraphs", func(c *intake.Content) { c.Intro = "Hello.\n\nThanks." }, nil},
		{"an intro with a NUL", func(c *intake.Content) { c.Intro = "a\x00b" }, map[string]string{"intro": "control characters"}},
		{"no questions", func(c *intake.Content) { c.Questions = nil }, map[string]string{"questions": "at least one question"}},
		{"too many questions", func(c *intake.Content) {
			for range intake.MaxQuestions {
				c.Questions = append(c.Questions, intake.Question{Kind: intake.ShortText, Text: "Q"})
			}
		}, map[string]string{"questions": "at most 100"}},
		{"a question without text", func(c *intake.Content) { c.Questions[1].Text = "" },
			map[string]string{"questions.1.text": "is required (question 2)"}},
		{"an unknown kind", func(c *intake.Content) { c.Questions[0].Kind = "essay" },
			map[string]string{"questions.0.kind": "must be one of short_text"}},
		{"a choice question with no options", func(c *intake.Content) { c.Questions[2].Options = nil },
			map[string]string{"questions.2.options": "needs at least two options (question 3, “How did you hear of me?”)"}},
		{"one choice of one option", func(c *intake.Content) { c.Questions[2].Options = []string{"Only"} },
			map[string]string{"questions.2.options": "at least two"}},
		{"several choices of none", func(c *intake.Content) { c.Questions[3].Options = []string{} },
			map[string]string{"questions.3.options": "needs at least one option"}},
		{"several choices of one", func(c *intake.Content) { c.Questions[3].Options = []string{"I agree"} }, nil},
		{"an option twice", func(c *intake.Content) { c.Questions[3].Options = []string{"Career", "Career"} },
			map[string]string{"questions.3.options": "lists “Career” twice"}},
		{"an option of two lines", func(c *intake.Content) { c.Questions[3].Options = []string{"Ca\nreer"} },
			map[string]string{"questions.3.options": "single line"}},
		{"too many options", func(c *intake.Content) {
			c.Questions[3].Options = nil
			for i := range intake.MaxOptions + 1 {
				c.Questions[3].Options = append(c.Questions[3].Options, strings.Repeat("o", i+1))
			}
		}, map[string]string{"questions.3.options": "at most 30"}},
		{"options for a scale", func(c *intake.Content) { c.Questions[4].Options = []string{"1", "2"} },
			map[string]string{"questions.4.options": "only for choice questions"}},
		{"two wrong questions", func(c *intake.Content) { c.Questions[0].Text, c.Questions[5].Kind = "", "" },
			map[string]string{"questions.0.text": "question 1", "questions.5.kind": "question 6"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := content()
			tc.change(c)
			mustFields(t, intake.Validate(c), tc.fields)
		})
	}
}

// TestCheckAnswers: answers of the wrong kind, to questions that do not
// exist, or missing when required on a submission are refused, each
// naming its question; what is kept is tidied.
func TestCheckAnswers(t *testing.T) {
	t.Parallel()
	full := map[string][]string{"1": {"  Stress  "}, "5": {"7"}}
	with := func(k string, v ...string) map[string][]string {
		m := maps.Clone(full)
		m[k] = v
		return m
	}
	for _, tc := range []struct {
		name   string
		given  map[string][]string
		final  bool
		fields map[string]string
		want   intake.Answers // when valid
	}{
		{"the required ones, submitted", full, true, nil, intake.Answers{1: {"Stress"}, 5: {"7"}}},
		{"every kind", map[string][]string{"1": {"Stress"}, "2": {"Line one\r\nLine two"}, "3": {"Online"},
			"4": {"Family", "Career", "Family"}, "5": {"10"}, "6": {"2029-02-28"}}, true, nil,
			intake.Answers{1: {"Stress"}, 2: {"Line one\r\nLine two"}, 3: {"Online"}, 4: {"Career", "Family"}, 5: {"10"}, 6: {"2029-02-28"}}},
		{"a draft may be empty", map[string][]string{}, false, nil, intake.Answers{}},
		{"a draft may leave a required one out", map[string][]string{"2": {"More"}}, false, nil, intake.Answers{2: {"More"}}},
		{"blank answers are none", map[string][]string{"1": {" "}, "4": {"", " "}}, false, nil, intake.Answers{}},
		{"a submission may not leave a required one out", map[string][]string{"1": {"Stress"}}, true,
			map[string]string{"answers.5": "is required (question 5, “How well do you sleep?”)"}, nil},
		{"nor answer it blank", with("1", "   "), true, map[string]string{"answers.1": "is required (question 1"}, nil},
		{"a question that does not exist", with("99", "hello"), false,
			map[string]string{"answers.99": "is not a question of this questionnaire"}, nil},
		{"a key that is no number", with("name", "hello"), false,
			map[string]string{"answers": "is not a question"}, nil},
		{"a key that is no plain number", with("1; DROP TABLE", "x"), false,
			map[string]string{"answers": "is not a question"}, nil},
		{"text for a scale", with("5", "seven"), false,
			map[string]string{"answers.5": "must be a whole number from 1 to 10 (question 5, “How well do you sleep?”)"}, nil},
		{"a scale of 0", with("5", "0"), false, map[string]string{"answers.5": "from 1 to 10"}, nil},
		{"a scale of 11", with("5", "11"), false, map[string]string{"answers.5": "from 1 to 10"}, nil},
		{"a scale of 7.5", with("5", "7.5"), false, map[string]string{"answers.5": "whole number"}, nil},
		{"a scale written 07", with("5", "07"), true, nil, intake.Answers{1: {"Stress"}, 5: {"7"}}},
		{"a choice not offered", with("3", "A stranger"), false,
			map[string]string{"answers.3": "“A stranger” is not one of the options (question 3"}, nil},
		{"one choice, twice", with("3", "Online", "A friend"), false, map[string]string{"answers.3": "takes one answer"}, nil},
		{"several choices, one not offered", with("4", "Career", "Money"), false,
			map[string]string{"answers.4": "“Money” is not one of the options"}, nil},
		{"a choice differs in case", with("3", "online"), false, map[string]string{"answers.3": "not one of the options"}, nil},
		{"a date that does not exist", with("6", "2030-02-30"), false,
			map[string]string{"answers.6": "must be a date like 2030-12-31 (question 6"}, nil},
		{"a date written otherwise", with("6", "30/01/2030"), false, map[string]string{"answers.6": "date like"}, nil},
		{"a date in year 1800", with("6", "1800-01-01"), false, map[string]string{"answers.6": "date like"}, nil},
		{"two short texts", with("1", "a", "b"), false, map[string]string{"answers.1": "takes one answer"}, nil},
		{"a short text of two lines", with("1", "a\nb"), false, map[string]string{"answers.1": "single line"}, nil},
		{"a short text too long", with("1", strings.Repeat("é", 501)), false, map[string]string{"answers.1": "at most 500"}, nil},
		{"a long text too long", with("2", strings.Repeat("é", 10001)), false, map[string]string{"answers.2": "at most 10000"}, nil},
		{"a bidi override", with("2", "abc\u202Edef"), false, map[string]string{"answers.2": "bidirectional"}, nil},
		{"several wrong at once", map[string][]string{"5": {"x"}, "6": {"y"}, "42": {"z"}}, true,
			map[string]string{"answers.1": "is required", "answers.5": "whole number", "answers.6": "date", "answers.42": "not a question"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := content().Check(tc.given, tc.final)
			mustFields(t, err, tc.fields)
			if tc.fields == nil && !maps.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("kept %v, want %v", got, tc.want)
			}
		})
	}
}

// mustFields checks that err is nil when want is, and otherwise an
// EINVALID error of exactly want's fields, each reason containing want's.
func mustFields(t *testing.T, err error, want map[string]string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	if app.ErrorCode(err) != app.EINVALID {
		t.Fatalf("%v, want EINVALID", err)
	}
	got := app.ErrorFields(err)
	if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	for k, part := range want {
		if !strings.Contains(got[k], part) {
			t.Errorf("%s: %q, want it to say %q", k, got[k], part)
		}
	}
}
