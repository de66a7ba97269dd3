package coaching

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
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
)

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
