package coaching

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/app"
)

// The profile fields the product knows; any other short field may be kept too.
const (
	ProfileBio      = "bio"
	ProfileGoals    = "goals"
	ProfileTimezone = "timezone"
	ProfilePhone    = "phone"
	// ProfileAIPersona is a coach's own instructions to the AI co-coach: how
	// it should work with their clients.
	ProfileAIPersona = "ai_persona"
	// ProfileAIStyle is the tone a coach asks of the AI co-coach, one of
	// AIStyles; empty means AIStyleWarm.
	ProfileAIStyle = "ai_style"
)

// The AI co-coach's styles a coach may choose.
const (
	AIStyleWarm     = "warm"
	AIStyleDirect   = "direct"
	AIStyleSocratic = "socratic"
	AIStyleBrief    = "brief"
)

// AIStyles are the styles in the order a form offers them, the default first.
var AIStyles = []string{AIStyleWarm, AIStyleDirect, AIStyleSocratic, AIStyleBrief}

// MaxAIPersona is how many characters a coach's persona may have.
const MaxAIPersona = 4000

const maxProfileBytes = 16 << 10

var (
	profileKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	phoneRe    = regexp.MustCompile(`^[0-9+()\-. ]{0,40}$`)
)

// Profile returns a user's profile: their own, a client's for their coach,
// anyone's for an admin. A user with no profile yet gets an empty one; a
// user who does not exist is not found, even by an admin.
func (s *Service) Profile(ctx context.Context, userID int64) (*Profile, error) {
	if err := s.canReadUser(ctx, userID); err != nil {
		return nil, err
	}
	p, err := s.Store.Profile(ctx, userID)
	if app.ErrorCode(err) == app.ENOTFOUND {
		if _, err := s.Store.UserByID(ctx, userID); err != nil {
			return nil, err
		}
		return &Profile{UserID: userID, Data: map[string]any{}}, nil
	}
	return p, err
}

// PutProfile replaces the caller's own profile.
func (s *Service) PutProfile(ctx context.Context, data map[string]any) (*Profile, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := ValidateProfile(data); err != nil {
		return nil, err
	}
	p := &Profile{UserID: a.UserID, Data: data, UpdatedAt: s.Clock.Now()}
	if err := s.Store.PutProfile(ctx, p); err != nil {
		return nil, fmt.Errorf("put profile: %w", err)
	}
	return p, nil
}

// ValidateProfile checks a profile document: known fields by their rules,
// other keys by name, the whole by size.
func ValidateProfile(data map[string]any) error {
	fields := map[string]string{}
	for k, v := range data {
		if !profileKey.MatchString(k) {
			fields[k] = "is not an allowed field name"
			continue
		}
		if msg := validateProfileField(k, v); msg != "" {
			fields[k] = msg
		}
	}
	if b, _ := json.Marshal(data); len(b) > maxProfileBytes {
		fields["profile"] = "must be at most 16 KiB in all"
	}
	return app.Invalid(fields)
}

func validateProfileField(k string, v any) string {
	if msg := checkValueText(v); msg != "" {
		return msg
	}
	s, isString := v.(string)
	switch k {
	case ProfileBio, ProfileGoals:
		if !isString {
			return "must be text"
		}
		if utf8.RuneCountInString(s) > 2000 {
			return "must be at most 2000 characters"
		}
	case ProfileTimezone:
		if !isString {
			return "must be text"
		}
		if s != "" {
			if _, err := time.LoadLocation(s); err != nil || s == "Local" {
				return "must be a time zone such as Europe/Berlin"
			}
		}
	case ProfilePhone:
		if !isString || !phoneRe.MatchString(s) {
			return "must be a phone number of digits, spaces and + ( ) - ."
		}
	case ProfileAIPersona:
		if !isString {
			return "must be text"
		}
		if utf8.RuneCountInString(s) > MaxAIPersona {
			return fmt.Sprintf("must be at most %d characters", MaxAIPersona)
		}
	case ProfileAIStyle:
		if !isString || (s != "" && !slices.Contains(AIStyles, s)) {
			return "must be one of " + strings.Join(AIStyles, ", ")
		}
	}
	return ""
}

// checkValueText returns why a text anywhere in a profile field's value
// (in lists and objects too) is refused, or "". PostgreSQL's jsonb refuses
// a NUL in any string of the document, not only in the fields we know.
func checkValueText(v any) string {
	switch v := v.(type) {
	case string:
		return CheckText(v, MultiLine)
	case []any:
		for _, e := range v {
			if msg := checkValueText(e); msg != "" {
				return msg
			}
		}
	case map[string]any:
		for k, e := range v {
			if msg := CheckText(k, SingleLine); msg != "" {
				return "has a key that " + msg
			}
			if msg := checkValueText(e); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// Timezone returns the time zone a profile names, or nil when it names none.
func (p *Profile) Timezone() *time.Location {
	if p == nil {
		return nil
	}
	name, _ := p.Data[ProfileTimezone].(string)
	if name == "" || name == "Local" {
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	return loc
}

// Text returns a text field of the profile, or "".
func (p *Profile) Text(key string) string {
	if p == nil {
		return ""
	}
	s, _ := p.Data[key].(string)
	return s
}

// AIPersona is how a coach wants the AI co-coach to work in their sessions.
// The zero value is the default: the AI's own persona, warm.
type AIPersona struct {
	Persona string // the coach's instructions; "" for the AI's own
	Style   string // one of AIStyles; "" for AIStyleWarm
}

// AIPersona reads the persona a profile holds; a field that is not text
// reads as unset.
func (p *Profile) AIPersona() AIPersona {
	return AIPersona{Persona: p.Text(ProfileAIPersona), Style: p.Text(ProfileAIStyle)}
}

// normalize makes line ends "\n" (browsers send "\r\n", which would count
// twice against the limit) and trims the outer spaces of both fields.
func (in AIPersona) normalize() AIPersona {
	in.Persona = strings.TrimSpace(strings.ReplaceAll(in.Persona, "\r\n", "\n"))
	in.Style = strings.TrimSpace(in.Style)
	return in
}

// validate names each field that breaks the profile's rules for it.
func (in AIPersona) validate() error {
	fields := map[string]string{}
	for k, v := range map[string]string{ProfileAIPersona: in.Persona, ProfileAIStyle: in.Style} {
		if msg := validateProfileField(k, v); msg != "" {
			fields[k] = msg
		}
	}
	return app.Invalid(fields)
}

// AIPersona returns the caller's AI co-coach persona. Only coaches (and
// admins) have one: the AI works in a coach's sessions; a client is refused.
func (s *Service) AIPersona(ctx context.Context) (AIPersona, error) {
	a, err := allowed(ctx, ActSetAIPersona)
	if err != nil {
		return AIPersona{}, err
	}
	p, err := s.Store.Profile(ctx, a.UserID)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return AIPersona{}, nil
	}
	if err != nil {
		return AIPersona{}, fmt.Errorf("read AI persona: %w", err)
	}
	return p.AIPersona(), nil
}

// PutAIPersona sets the caller's AI co-coach persona and keeps every other
// field of their profile (PutProfile would replace them all). The read and
// the write are one transaction under the user's lock, so that two saves
// cannot undo each other. An empty field is removed: the default applies.
func (s *Service) PutAIPersona(ctx context.Context, in AIPersona) (*Profile, error) {
	a, err := allowed(ctx, ActSetAIPersona)
	if err != nil {
		return nil, err
	}
	in = in.normalize()
	if err := in.validate(); err != nil {
		return nil, err
	}
	var p *Profile
	err = s.Store.InTx(ctx, func(q Records) error {
		p, err = s.mergeAIPersona(ctx, q, a.UserID, in)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("put AI persona: %w", err)
	}
	return p, nil
}

// mergeAIPersona writes in into the user's stored profile, within q's
// transaction.
func (s *Service) mergeAIPersona(ctx context.Context, q Records, userID int64, in AIPersona) (*Profile, error) {
	if err := q.LockUser(ctx, userID); err != nil {
		return nil, err
	}
	data := map[string]any{}
	old, err := q.Profile(ctx, userID)
	switch {
	case err == nil && old.Data != nil:
		data = old.Data
	case err != nil && app.ErrorCode(err) != app.ENOTFOUND:
		return nil, err
	}
	setText(data, ProfileAIPersona, in.Persona)
	setText(data, ProfileAIStyle, in.Style)
	if b, _ := json.Marshal(data); len(b) > maxProfileBytes {
		return nil, app.Invalid(map[string]string{ProfileAIPersona: "makes your profile longer than 16 KiB in all: shorten it (or your bio)"})
	}
	p := &Profile{UserID: userID, Data: data, UpdatedAt: s.Clock.Now()}
	if err := q.PutProfile(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// setText sets a text field of a profile document, or removes it when empty.
func setText(data map[string]any, key, value string) {
	if value == "" {
		delete(data, key)
		return
	}
	data[key] = value
}
