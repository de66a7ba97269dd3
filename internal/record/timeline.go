package record

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/coaching"
	"rapport/internal/intake"
	"rapport/internal/notes"
)

// Record returns a client's record as the caller may see it: a coach of
// theirs sees what passed between the two of them, private notes and
// every summary included; the client sees their own view (as Own). A
// query ("" for none) keeps the entries whose text contains it, in any
// case. Anyone else is told there is no such client. A coach's opening
// is recorded in the audit log, and is refused when it cannot be.
func (s *Service) Record(ctx context.Context, clientID int64, query string) (*Record, error) {
	a, sc, err := s.scope(ctx, clientID)
	if err != nil {
		return nil, err
	}
	q, err := cleanQuery(query)
	if err != nil {
		return nil, err
	}
	r := &Record{View: ClientView, Query: q}
	if sc.CoachID != 0 {
		r.View = CoachView
	}
	if err := s.read(ctx, r, sc); err != nil {
		return nil, err
	}
	if a.UserID != clientID {
		if err := s.recordOpening(ctx, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Own returns the calling client's own record; anyone else has none.
func (s *Service) Own(ctx context.Context, query string) (*Record, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Role != app.RoleClient {
		return nil, app.Errorf(app.ENOTFOUND, "only a client has a record of their own: a coach opens their clients' records from their pages")
	}
	return s.Record(ctx, a.UserID, query)
}

// scope returns the caller and what of the client's record they may read:
// a coach of theirs, what passed between the two; the client, all of it.
// Anyone else is told there is no such client.
func (s *Service) scope(ctx context.Context, clientID int64) (*app.Actor, Scope, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, Scope{}, err
	}
	switch a.Role {
	case app.RoleClient:
		if a.UserID == clientID {
			return a, Scope{ClientID: clientID}, nil
		}
	case app.RoleCoach:
		ok, err := s.Store.IsCoachOf(ctx, a.UserID, clientID)
		if err != nil || !ok {
			return nil, Scope{}, orNotFound(err, "client")
		}
		return a, Scope{ClientID: clientID, CoachID: a.UserID}, nil
	}
	return nil, Scope{}, notFound("client")
}

// read fills r with the scope's client, coaches, goals and timeline.
func (s *Service) read(ctx context.Context, r *Record, sc Scope) error {
	var err error
	if r.Client, err = s.Store.UserByID(ctx, sc.ClientID); err != nil {
		return orNotFound(err, "client")
	}
	if r.Coaches, err = s.coaches(ctx, sc); err != nil {
		return err
	}
	if r.Goals, err = s.Store.ListGoals(ctx, sc); err != nil {
		return err
	}
	t := &timeline{q: r.Query}
	if err := s.readSessions(ctx, t, r, sc); err != nil {
		return err
	}
	if r.View == CoachView {
		if err := s.readNotes(ctx, t, r, sc); err != nil {
			return err
		}
	}
	if err := s.readAnswers(ctx, t, sc); err != nil {
		return err
	}
	if err := s.readMessages(ctx, t, r, sc); err != nil {
		return err
	}
	r.Entries = t.entries(coachNames(r, t))
	return nil
}

// coaches are those a new goal may be with: the calling coach, or the
// client's current coaches.
func (s *Service) coaches(ctx context.Context, sc Scope) ([]*coaching.User, error) {
	if sc.CoachID != 0 {
		u, err := s.Store.UserByID(ctx, sc.CoachID)
		if err != nil {
			return nil, err
		}
		return []*coaching.User{u}, nil
	}
	return s.Store.ListCoaches(ctx, sc.ClientID, coaching.Page{Limit: 200})
}

// readSessions adds the scope's sessions with the start of their
// transcripts (or what of them matches), less the summaries the client may
// not read.
func (s *Service) readSessions(ctx context.Context, t *timeline, r *Record, sc Scope) error {
	list, err := s.Store.RecordSessions(ctx, sc, MaxSessions)
	if err != nil {
		return fmt.Errorf("read the sessions: %w", err)
	}
	if len(list) == MaxSessions {
		r.Cut = append(r.Cut, "sessions")
	}
	excerpts, err := s.Store.RecordTranscripts(ctx, sc, t.q, TranscriptLines)
	if err != nil {
		return fmt.Errorf("read the transcripts: %w", err)
	}
	for _, ss := range list {
		if ss.Summary != nil && r.View == ClientView && !ss.Summary.Shared {
			ss.Summary = nil
		}
		if x := excerpts[ss.Appointment.ID]; x != nil {
			ss.Transcript, ss.MoreTranscript = x.Lines, x.More
			if len(ss.Transcript) > TranscriptLines {
				ss.Transcript, ss.MoreTranscript = ss.Transcript[:TranscriptLines], true
			}
			nameSpeakers(ss, r.Client)
		}
		if t.q == "" || len(ss.Transcript) > 0 || sessionMatches(ss, t.q) {
			t.add(&Entry{Kind: KindSession, At: ss.Appointment.StartsAt, CoachID: ss.Appointment.CoachID, Session: ss})
		}
	}
	return nil
}

// nameSpeakers names who said each line of a session's transcript: its
// client or its coach ("" is the AI).
func nameSpeakers(ss *Session, client *coaching.User) {
	a := ss.Appointment
	for _, l := range ss.Transcript {
		switch {
		case l.SpeakerID == 0:
			l.Speaker = ""
		case l.SpeakerID == client.ID:
			l.Speaker = client.DisplayName()
		case l.SpeakerID == a.CoachID && a.Coach != nil:
			l.Speaker = a.Coach.DisplayName()
		default:
			l.Speaker = "Someone in the call"
		}
	}
}

// sessionMatches reports whether a session's own text (less its
// transcript, which the store searched) contains q.
func sessionMatches(ss *Session, q string) bool {
	a := ss.Appointment
	if anyContains(q, a.Title, a.Notes, a.CancelReason) {
		return true
	}
	return ss.Summary != nil && Contains(ss.Summary.Body, q)
}

// readNotes adds the calling coach's private notes about the client,
// read through the notes service (which records the read).
func (s *Service) readNotes(ctx context.Context, t *timeline, r *Record, sc Scope) error {
	const page = 200
	for offset := 0; offset < MaxNotes; offset += page {
		list, err := s.Notes.ClientNotes(ctx, sc.ClientID, coaching.Page{Limit: page, Offset: offset})
		if err != nil {
			return fmt.Errorf("read the private notes: %w", err)
		}
		for _, n := range list {
			if n.CoachID == sc.CoachID && noteMatches(n, t.q) {
				t.add(&Entry{Kind: KindPrivateNote, At: n.CreatedAt, CoachID: n.CoachID, CoachName: n.CoachName, Note: n})
			}
		}
		if len(list) < page {
			return nil
		}
	}
	r.Cut = append(r.Cut, "notes")
	return nil
}

// noteMatches reports whether a note's text, or its session's title,
// contains q.
func noteMatches(n *notes.Note, q string) bool { return anyContains(q, n.Body, n.SessionTitle) }

// readAnswers adds the questionnaires the client submitted that the
// caller may read (intake's rules: a coach reads those they sent).
func (s *Service) readAnswers(ctx context.Context, t *timeline, sc Scope) error {
	list, err := s.Answers.Answered(ctx, sc.ClientID)
	if err != nil {
		return fmt.Errorf("read the questionnaires: %w", err)
	}
	for _, req := range list {
		if req.SubmittedAt == nil || (sc.CoachID != 0 && req.CoachID != sc.CoachID) || !answersMatch(req, t.q) {
			continue
		}
		e := &Entry{Kind: KindAnswers, At: *req.SubmittedAt, CoachID: req.CoachID, Answers: req}
		if req.Coach != nil {
			e.CoachName = req.Coach.DisplayName()
		}
		t.add(e)
	}
	return nil
}

// answersMatch reports whether a questionnaire's title, a question or an
// answer contains q.
func answersMatch(req *intake.Request, q string) bool {
	if q == "" {
		return true
	}
	if req.Version != nil && anyContains(q, req.Version.Title, req.Version.Intro) {
		return true
	}
	for _, it := range req.Items() {
		if Contains(it.Text, q) || anyContains(q, it.Answer...) {
			return true
		}
	}
	return false
}

// readMessages adds the newest messages of the scope's conversations, or
// those that match.
func (s *Service) readMessages(ctx context.Context, t *timeline, r *Record, sc Scope) error {
	list, err := s.Store.RecordMessages(ctx, sc, t.q, MaxMessages)
	if err != nil {
		return fmt.Errorf("read the messages: %w", err)
	}
	if len(list) == MaxMessages {
		r.Cut = append(r.Cut, "messages")
	}
	t.messages = list
	return nil
}

// recordOpening records in the audit log that someone other than the
// client opened their record: how much it showed, never what.
func (s *Service) recordOpening(ctx context.Context, r *Record) error {
	if s.Audit == nil {
		return app.Errorf(app.EINTERNAL, "the record has no audit log to record its opening in")
	}
	detail := fmt.Sprintf("record of client %d as their coach: %d entries", r.Client.ID, len(r.Entries))
	if r.Query != "" {
		detail += ", searched"
	}
	if err := audit.Record(ctx, s.Audit, s.Clock, audit.RecordOpened, r.Client.ID, detail); err != nil {
		return fmt.Errorf("record the opening of a record: %w", err)
	}
	return nil
}

// coachNames are the names of the coaches the record shows, by ID.
func coachNames(r *Record, t *timeline) map[int64]string {
	names := map[int64]string{}
	for _, c := range r.Coaches {
		names[c.ID] = c.DisplayName()
	}
	for _, e := range t.items {
		if e.Session != nil && e.Session.Appointment.Coach != nil {
			names[e.CoachID] = e.Session.Appointment.Coach.DisplayName()
		}
	}
	for _, m := range t.messages {
		if m.SenderID == m.CoachID && m.Sender != "" {
			names[m.CoachID] = m.Sender
		}
	}
	return names
}

// timeline gathers a record's entries, and its messages apart, to be put
// in order.
type timeline struct {
	q        string
	items    []*Entry
	messages []*Message // newest first
}

func (t *timeline) add(e *Entry) { t.items = append(t.items, e) }

// entries puts the entries and the messages in one list, newest first,
// with the messages in runs: one entry for messages of one conversation
// that nothing else came between and no silence longer than MessageGap
// split, its messages in the order written. Entries without a coach's
// name get it from names.
func (t *timeline) entries(names map[int64]string) []*Entry {
	all := make([]*Entry, 0, len(t.items)+len(t.messages))
	all = append(all, t.items...)
	for _, m := range t.messages {
		all = append(all, &Entry{Kind: KindMessages, At: m.CreatedAt, CoachID: m.CoachID,
			Messages: &Messages{ConversationID: m.ConversationID, Items: []*Message{m}}})
	}
	slices.SortStableFunc(all, func(a, b *Entry) int { return b.At.Compare(a.At) })
	out := all[:0]
	for _, e := range all {
		if n := len(out); n > 0 && joins(out[n-1], e) {
			out[n-1].Messages.Items = append(out[n-1].Messages.Items, e.Messages.Items...)
			continue
		}
		if e.CoachName == "" {
			e.CoachName = names[e.CoachID]
		}
		out = append(out, e)
	}
	for _, e := range out {
		if e.Messages != nil {
			slices.Reverse(e.Messages.Items) // a run reads in the order it was written
		}
	}
	return out
}

// joins reports whether the message entry e continues the run of prev:
// the same conversation, and no long silence between.
func joins(prev, e *Entry) bool {
	if prev.Kind != KindMessages || e.Kind != KindMessages || prev.Messages.ConversationID != e.Messages.ConversationID {
		return false
	}
	last := prev.Messages.Items[len(prev.Messages.Items)-1]
	return last.CreatedAt.Sub(e.At) <= MessageGap
}

// Text is the text of every part of the entry that the record holds for
// its viewer, a part a line: what a search of the record looks through
// (of a transcript and a conversation, the lines and messages held).
func (e *Entry) Text() string {
	var parts []string
	switch {
	case e.Session != nil:
		a := e.Session.Appointment
		parts = append(parts, a.Title, a.Notes, a.CancelReason)
		if e.Session.Summary != nil {
			parts = append(parts, e.Session.Summary.Body)
		}
		for _, l := range e.Session.Transcript {
			parts = append(parts, l.Body)
		}
	case e.Note != nil:
		parts = append(parts, e.Note.Body, e.Note.SessionTitle)
	case e.Answers != nil:
		if v := e.Answers.Version; v != nil {
			parts = append(parts, v.Title, v.Intro)
		}
		for _, it := range e.Answers.Items() {
			parts = append(parts, it.Text, strings.Join(it.Answer, ", "))
		}
	case e.Messages != nil:
		for _, m := range e.Messages.Items {
			parts = append(parts, m.Body)
			if m.File != nil {
				parts = append(parts, m.File.Name)
			}
		}
	}
	return strings.Join(parts, "\n")
}
