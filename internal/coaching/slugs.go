package coaching

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"rapport/internal/app"
)

// SlugStore keeps the slugs of the coaches' public booking links,
// /book/<slug>: one a coach, each unique.
type SlugStore interface {
	// SlugOf returns a user's slug, or ENOTFOUND.
	SlugOf(ctx context.Context, userID int64) (string, error)
	// UserBySlug returns the user a slug is of, or ENOTFOUND.
	UserBySlug(ctx context.Context, slug string) (*User, error)
	// PutSlug gives a user slug: in place of the one they have (replace),
	// or only when they have none. A slug another user has is ECONFLICT.
	PutSlug(ctx context.Context, userID int64, slug string, at time.Time, replace bool) error
}

// The length of a slug, in characters.
const (
	SlugMinLen = 3
	SlugMaxLen = 40
)

// errSlugShape names what a slug must look like.
const errSlugShape = "must be 3 to 40 lowercase letters (a-z), digits and hyphens, with at least one letter, not starting or ending with a hyphen"

// ValidSlug checks a slug: 3 to 40 of a-z, 0-9 and "-", with a letter,
// and no hyphen at either end. The letter keeps a slug apart from a
// number: /book/12/3 is the page of coach 12 for their clients, and no
// slug can be read as a coach's ID.
func ValidSlug(slug string) error {
	if len(slug) < SlugMinLen || len(slug) > SlugMaxLen || slug[0] == '-' || slug[len(slug)-1] == '-' {
		return app.Invalid(map[string]string{"slug": errSlugShape})
	}
	letter := false
	for _, r := range slug {
		switch {
		case r >= 'a' && r <= 'z':
			letter = true
		case r >= '0' && r <= '9', r == '-':
		default:
			return app.Invalid(map[string]string{"slug": errSlugShape})
		}
	}
	if !letter {
		return app.Invalid(map[string]string{"slug": errSlugShape})
	}
	return nil
}

// slugFold spells the accented letters of Latin names in a-z, so that
// "José Müller" becomes jose-muller rather than jos-m-ller.
var slugFold = strings.NewReplacer(
	"à", "a", "á", "a", "â", "a", "ã", "a", "ä", "a", "å", "a", "æ", "ae",
	"ç", "c", "è", "e", "é", "e", "ê", "e", "ë", "e",
	"ì", "i", "í", "i", "î", "i", "ï", "i", "ñ", "n",
	"ò", "o", "ó", "o", "ô", "o", "õ", "o", "ö", "o", "ø", "o", "œ", "oe",
	"ù", "u", "ú", "u", "û", "u", "ü", "u", "ý", "y", "ÿ", "y", "ß", "ss",
	"ł", "l", "š", "s", "ž", "z", "č", "c", "ř", "r", "ğ", "g", "ş", "s", "ı", "i",
)

// SlugFromName makes a valid slug from a display name: lower case, letters
// and digits kept, anything else a hyphen. A name that gives too little
// (empty, two letters, digits only) is prefixed "coach-", or is "coach".
func SlugFromName(name string) string {
	var b strings.Builder
	for _, r := range slugFold.Replace(strings.ToLower(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	slug := trimSlug(b.String(), SlugMaxLen)
	if ValidSlug(slug) != nil {
		slug = trimSlug("coach-"+slug, SlugMaxLen)
	}
	return slug
}

// trimSlug cuts slug to at most n bytes (all ASCII) and drops the hyphens
// left at its end.
func trimSlug(slug string, n int) string {
	if len(slug) > n {
		slug = slug[:n]
	}
	return strings.TrimRight(slug, "-")
}

// slugCandidate is the nth try at a free slug from base: base, base-2,
// base-3 ..., cut so that the number fits.
func slugCandidate(base string, n int) string {
	if n == 1 {
		return base
	}
	suffix := "-" + strconv.Itoa(n)
	return trimSlug(base, SlugMaxLen-len(suffix)) + suffix
}

// slugTries is how many numbered slugs are tried before a random one.
const slugTries = 50

// MyPublicSlug returns the calling coach's slug, made from their name the
// first time it is needed (deduplicated with -2, -3 ...).
func (s *Service) MyPublicSlug(ctx context.Context) (string, error) {
	a, err := requireRole(ctx, app.RoleCoach)
	if err != nil {
		return "", err
	}
	slug, err := s.Store.SlugOf(ctx, a.UserID)
	if app.ErrorCode(err) != app.ENOTFOUND {
		return slug, err
	}
	me, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return "", err
	}
	if err := s.giveSlug(ctx, me.ID, SlugFromName(me.Name)); err != nil {
		return "", fmt.Errorf("make a public link: %w", err)
	}
	return s.Store.SlugOf(ctx, a.UserID)
}

// giveSlug gives userID the first free slug made from base, unless they
// got one meanwhile. Each try is a statement of its own: a taken slug is
// only the next try's cue.
func (s *Service) giveSlug(ctx context.Context, userID int64, base string) error {
	for n := 1; n <= slugTries+1; n++ {
		slug := slugCandidate(base, n)
		if n > slugTries {
			slug = slugCandidate(base, 1000+rand.IntN(9000))
		}
		err := s.Store.PutSlug(ctx, userID, slug, s.Clock.Now(), false)
		if app.ErrorCode(err) != app.ECONFLICT {
			return err
		}
	}
	return app.Errorf(app.ECONFLICT, "no free public link could be made from %q; choose one yourself", base)
}

// SetPublicSlug changes the calling coach's public link to slug (trimmed,
// in lower case). The old link stops working at once: it is not
// redirected, since another coach may take it.
func (s *Service) SetPublicSlug(ctx context.Context, slug string) (string, error) {
	a, err := requireRole(ctx, app.RoleCoach)
	if err != nil {
		return "", err
	}
	slug = strings.ToLower(strings.TrimSpace(slug))
	if err := ValidSlug(slug); err != nil {
		return "", err
	}
	err = s.Store.PutSlug(ctx, a.UserID, slug, s.Clock.Now(), true)
	if app.ErrorCode(err) == app.ECONFLICT {
		return "", &app.Error{Code: app.ECONFLICT, Message: "that public link is taken; choose another",
			Fields: map[string]string{"slug": "is taken"}}
	}
	if err != nil {
		return "", fmt.Errorf("change the public link: %w", err)
	}
	return slug, nil
}
