package notes

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// Template is what a new note starts from: one of the coach's own, or one
// of the two built in (BuiltInTemplates).
type Template struct {
	ID int64 // 0 for a built-in
	// BuiltIn names a built-in template ("free", "grow"); "" for a
	// coach's own.
	BuiltIn   string
	CoachID   int64
	Name      string
	Body      string // Markdown
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Key names the template in a form or a link: the built-in's name, or the
// coach's template's ID.
func (t *Template) Key() string {
	if t.BuiltIn != "" {
		return t.BuiltIn
	}
	return strconv.FormatInt(t.ID, 10)
}

// TemplateDraft is a template as the coach writes it.
type TemplateDraft struct {
	Name string
	Body string
}

// TemplateChange is an edit of a template; nil fields stay as they are.
type TemplateChange struct {
	Name *string
	Body *string
}

// growBody is the structured note of the GROW model: the goal, the
// reality, the options and the way forward.
const growBody = `## Goal
What does the client want, from this session and beyond it?

## Reality
Where do things stand now? What has been tried, and what happened?

## Options
What could they do? What else?

## Way forward
What will they do, and by when? What might get in the way?
`

// BuiltInTemplates are the templates every coach has: a free note, and
// a structured one (GROW).
func BuiltInTemplates() []*Template {
	return []*Template{
		{BuiltIn: "free", Name: "Free note", Body: ""},
		{BuiltIn: "grow", Name: "GROW: goal, reality, options, way forward", Body: growBody},
	}
}

// Templates lists the templates the calling coach may start a note from:
// the built-in ones, then their own by name.
func (s *Service) Templates(ctx context.Context) ([]*Template, error) {
	a, err := coach(ctx)
	if err != nil {
		return nil, err
	}
	own, err := s.Store.ListNoteTemplates(ctx, a.UserID)
	if err != nil {
		return nil, fmt.Errorf("list note templates: %w", err)
	}
	return append(BuiltInTemplates(), own...), nil
}

// TemplateByKey returns the calling coach's template of a key (Key): a
// built-in one, or their own.
func (s *Service) TemplateByKey(ctx context.Context, key string) (*Template, error) {
	a, err := coach(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range BuiltInTemplates() {
		if t.BuiltIn == key {
			return t, nil
		}
	}
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil || id <= 0 {
		return nil, notFound("template")
	}
	return s.ownTemplate(ctx, a, id)
}

// CheckTemplate tells whether the caller may keep templates (id 0) or
// change the template of id: nil for a coach and their own template,
// EFORBIDDEN for anyone else but a coach, ENOTFOUND for another coach's
// template. Handlers ask it before they read a body.
func (s *Service) CheckTemplate(ctx context.Context, id int64) error {
	a, err := coach(ctx)
	if err != nil || id == 0 {
		return err
	}
	_, err = s.ownTemplate(ctx, a, id)
	return err
}

// CreateTemplate adds a template of the calling coach's.
func (s *Service) CreateTemplate(ctx context.Context, d TemplateDraft) (*Template, error) {
	a, err := coach(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	t := &Template{CoachID: a.UserID, Name: strings.TrimSpace(d.Name), Body: d.Body, CreatedAt: now, UpdatedAt: now}
	if err := validTemplate(t); err != nil {
		return nil, err
	}
	if err := s.Store.CreateNoteTemplate(ctx, t); err != nil {
		return nil, templateErr("create", err)
	}
	return t, nil
}

// UpdateTemplate changes the name or the text of one of the calling
// coach's templates. Notes started from it keep the text they have.
func (s *Service) UpdateTemplate(ctx context.Context, id int64, ch TemplateChange) (*Template, error) {
	a, err := coach(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.ownTemplate(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if ch.Name != nil {
		t.Name = strings.TrimSpace(*ch.Name)
	}
	if ch.Body != nil {
		t.Body = *ch.Body
	}
	if err := validTemplate(t); err != nil {
		return nil, err
	}
	t.UpdatedAt = s.Clock.Now()
	if err := s.Store.UpdateNoteTemplate(ctx, t); err != nil {
		return nil, templateErr("update", err)
	}
	return t, nil
}

// DeleteTemplate removes one of the calling coach's templates.
func (s *Service) DeleteTemplate(ctx context.Context, id int64) error {
	a, err := coach(ctx)
	if err != nil {
		return err
	}
	if _, err := s.ownTemplate(ctx, a, id); err != nil {
		return err
	}
	if err := s.Store.DeleteNoteTemplate(ctx, id); err != nil {
		return fmt.Errorf("delete note template: %w", err)
	}
	return nil
}

// ownTemplate returns the coach's template of id; another coach's is not
// found.
func (s *Service) ownTemplate(ctx context.Context, a *app.Actor, id int64) (*Template, error) {
	t, err := s.Store.NoteTemplateByID(ctx, id)
	if app.ErrorCode(err) == app.ENOTFOUND || (err == nil && t.CoachID != a.UserID) {
		return nil, notFound("template")
	}
	return t, err
}

// validTemplate checks a template's name (one line, 1 to MaxName
// characters) and body (as a note's).
func validTemplate(t *Template) error {
	fields := map[string]string{}
	if t.Name == "" {
		fields["name"] = "is required"
	} else if err := coaching.ValidText("name", t.Name, coaching.SingleLine); err != nil {
		fields["name"] = app.ErrorFields(err)["name"]
	} else if len([]rune(t.Name)) > MaxName {
		fields["name"] = fmt.Sprintf("must be at most %d characters", MaxName)
	}
	checkBody(fields, "body", t.Body)
	return app.Invalid(fields)
}

// templateErr explains a template the store refused: a name the coach
// has already is the name's fault.
func templateErr(verb string, err error) error {
	if app.ErrorCode(err) == app.ECONFLICT {
		return app.Invalid(map[string]string{"name": "is the name of another of your templates"})
	}
	return fmt.Errorf("%s note template: %w", verb, err)
}

// coach returns the caller when they are a coach: templates are coaches'
// alone.
func coach(ctx context.Context) (*app.Actor, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Role != app.RoleCoach {
		return nil, app.Errorf(app.EFORBIDDEN, "only coaches have note templates")
	}
	return a, nil
}
