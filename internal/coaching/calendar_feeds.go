package coaching

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"rapport/internal/app"
)

// CalendarFeed is a person's private calendar feed: a link their calendar
// app subscribes to, which answers whoever holds it. The link's token is
// made from Seed and the service's CalendarKey, so that the profile can
// show it again; the store keeps only the token's hash to find it by, and
// the table alone (a leaked backup) opens no feed.
type CalendarFeed struct {
	UserID    int64
	Seed      string
	TokenHash string
	CreatedAt time.Time
}

// CalendarStore keeps the calendar feeds and reads what they show.
type CalendarStore interface {
	// PutCalendarFeed records a person's feed. With replace it takes the
	// place of the one they had; without, a feed they have already stays.
	PutCalendarFeed(ctx context.Context, f *CalendarFeed, replace bool) error
	// CalendarFeedOf returns a person's feed, or ENOTFOUND.
	CalendarFeedOf(ctx context.Context, userID int64) (*CalendarFeed, error)
	// CalendarFeedByToken returns the feed of a token's hash and its
	// person, or ENOTFOUND.
	CalendarFeedByToken(ctx context.Context, tokenHash string) (*CalendarFeed, *User, error)
	// PersonAppointments lists, by start, at most limit appointments that
	// userID is the coach or the client of and that start in [from, to).
	// Of the two people only the other one is filled (their ID, name and
	// email, as Coach or Client); CreatedAt, notes and the cancel reason
	// are left out.
	PersonAppointments(ctx context.Context, userID int64, from, to time.Time, limit int) ([]*Appointment, error)
}

// What a feed shows: the appointments that start from FeedPast ago to
// FeedAhead ahead, at most FeedMaxEvents of them (the earliest).
const (
	FeedPast      = 30 * 24 * time.Hour
	FeedAhead     = 366 * 24 * time.Hour
	FeedMaxEvents = 2000
)

// Feed is what a person's calendar feed shows.
type Feed struct {
	Owner        *User
	Appointments []*Appointment
	// Series holds, by ID, each series an appointment of the feed belongs
	// to (when its rule is kept): the feed carries it as one recurring
	// event, in place of its occurrences.
	Series map[string]*FeedSeries
	// Now is when the feed was read (the events' DTSTAMP).
	Now time.Time
}

// Other is the person an appointment of the feed's owner is with.
func (f *Feed) Other(a *Appointment) *User {
	if a.CoachID == f.Owner.ID {
		return a.Client
	}
	return a.Coach
}

// AppointmentUID is an appointment's iCalendar UID,
// "appointment-<id>@<domain>", the same in every feed and invitation that
// carries it, so that a calendar holding the appointment from both keeps
// one event. domain is UIDDomain's.
func AppointmentUID(id int64, domain string) string {
	return "appointment-" + strconv.FormatInt(id, 10) + "@" + domain
}

// UIDDomain is the domain of the UIDs: the host of publicURL (the
// PUBLIC_URL setting), or "rapport" without one. Changing PUBLIC_URL's
// host changes every UID: calendars then see new events.
func UIDDomain(publicURL string) string {
	if u, err := url.Parse(publicURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "rapport"
}

// CalendarToken returns the caller's feed token, making their feed on
// first use. A feed whose token the service's key no longer makes (the
// key changed) is replaced.
func (s *Service) CalendarToken(ctx context.Context) (string, error) {
	a, err := actor(ctx)
	if err != nil {
		return "", err
	}
	if err := s.Store.PutCalendarFeed(ctx, s.newCalendarFeed(a.UserID), false); err != nil {
		return "", fmt.Errorf("make calendar feed: %w", err)
	}
	f, err := s.Store.CalendarFeedOf(ctx, a.UserID)
	if err != nil {
		return "", fmt.Errorf("read calendar feed: %w", err)
	}
	if tok := s.feedToken(f.Seed); HashToken(tok) == f.TokenHash {
		return tok, nil
	}
	return s.ResetCalendarToken(ctx)
}

// ResetCalendarToken gives the caller a new feed link; the old one answers
// nothing from now on.
func (s *Service) ResetCalendarToken(ctx context.Context) (string, error) {
	a, err := actor(ctx)
	if err != nil {
		return "", err
	}
	f := s.newCalendarFeed(a.UserID)
	if err := s.Store.PutCalendarFeed(ctx, f, true); err != nil {
		return "", fmt.Errorf("new calendar feed: %w", err)
	}
	return s.feedToken(f.Seed), nil
}

// newCalendarFeed is a feed of 32 fresh random bytes for userID.
func (s *Service) newCalendarFeed(userID int64) *CalendarFeed {
	raw := make([]byte, 32)
	rand.Read(raw)
	seed := base64.RawURLEncoding.EncodeToString(raw)
	return &CalendarFeed{UserID: userID, Seed: seed, TokenHash: HashToken(s.feedToken(seed)), CreatedAt: s.Clock.Now()}
}

// feedToken is the link token of a feed's seed: 32 bytes of HMAC-SHA256
// under the service's key, base64url.
func (s *Service) feedToken(seed string) string {
	m := hmac.New(sha256.New, s.CalendarKey)
	m.Write([]byte("rapport calendar feed\x00" + seed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CalendarFeed returns the feed of a token, for whoever holds it: its
// person's appointments as coach or client that start from FeedPast ago
// to FeedAhead ahead. An unknown or replaced token, or a disabled
// person's, is not found, with nothing said of which.
func (s *Service) CalendarFeed(ctx context.Context, token string) (*Feed, error) {
	if token == "" {
		return nil, notFound("calendar")
	}
	_, u, err := s.Store.CalendarFeedByToken(ctx, HashToken(token))
	if app.ErrorCode(err) == app.ENOTFOUND || (err == nil && u.Status == StatusDisabled) {
		return nil, notFound("calendar")
	} else if err != nil {
		return nil, fmt.Errorf("calendar feed: %w", err)
	}
	now := s.Clock.Now()
	list, err := s.Store.PersonAppointments(ctx, u.ID, now.Add(-FeedPast), now.Add(FeedAhead), FeedMaxEvents)
	if err != nil {
		return nil, fmt.Errorf("calendar feed of user %d: %w", u.ID, err)
	}
	series, err := s.feedSeries(ctx, list)
	if err != nil {
		return nil, fmt.Errorf("calendar feed of user %d: %w", u.ID, err)
	}
	return &Feed{Owner: u, Appointments: list, Series: series, Now: now}, nil
}

// FeedSeries is a series in a feed: its rule and every occurrence.
type FeedSeries struct {
	Rule        *Series
	Occurrences []*Appointment
}

// feedSeries loads the series the appointments belong to, one query pair
// a series.
func (s *Service) feedSeries(ctx context.Context, list []*Appointment) (map[string]*FeedSeries, error) {
	out := map[string]*FeedSeries{}
	for _, a := range list {
		if _, seen := out[a.SeriesID]; seen || a.SeriesID == "" {
			continue
		}
		rule, err := s.Store.Series(ctx, a.SeriesID)
		if app.ErrorCode(err) == app.ENOTFOUND {
			out[a.SeriesID] = nil // booked before rules were kept: its occurrences go one by one
			continue
		} else if err != nil {
			return nil, err
		}
		all, err := s.Store.SeriesAppointments(ctx, a.SeriesID)
		if err != nil {
			return nil, err
		}
		out[a.SeriesID] = &FeedSeries{Rule: rule, Occurrences: all}
	}
	return out, nil
}
