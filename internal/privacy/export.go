package privacy

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
	"rapport/internal/intake"
	"rapport/internal/membership"
	"rapport/internal/record"
)

// ExportFormat is the version of the export's JSON.
const ExportFormat = 1

// Export is everything Rapport holds about a client, as data.json carries
// it.
type Export struct {
	Format     int              `json:"format"`
	ExportedAt time.Time        `json:"exported_at"`
	Person     *coaching.User   `json:"person"`
	Profile    map[string]any   `json:"profile"`
	Coaches    []Person         `json:"coaches"`
	Sessions   []Session        `json:"sessions"`
	Messages   []Conversation   `json:"conversations"`
	Answers    []Questionnaire  `json:"questionnaires"`
	Goals      []Goal           `json:"goals"`
	Membership []MembershipLine `json:"membership_history"`
}

// Goal is one of the client's goals with a coach.
type Goal struct {
	Title      string     `json:"title"`
	With       string     `json:"with"`
	Progress   int        `json:"progress"`
	Note       string     `json:"note,omitempty"`
	Achieved   bool       `json:"achieved"`
	AchievedAt *time.Time `json:"achieved_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Questionnaire is one questionnaire sent to the client, with their
// answers as they stand (a draft, or submitted).
type Questionnaire struct {
	Title       string     `json:"title"`
	From        string     `json:"from"`
	SentAt      time.Time  `json:"sent_at"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	Items       []Answer   `json:"items"`
}

// Answer is a question and what the client answered.
type Answer struct {
	Question string   `json:"question"`
	Answer   []string `json:"answer"`
}

// Person is someone the client worked with.
type Person struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Session is one appointment with what happened in it.
type Session struct {
	ID       int64     `json:"id"`
	Title    string    `json:"title"`
	Coach    string    `json:"coach"`
	StartsAt time.Time `json:"starts_at"`
	Minutes  int       `json:"minutes"`
	Status   string    `json:"status"`
	// Notes are the appointment's notes, which the client always reads.
	Notes        string `json:"notes,omitempty"`
	CancelReason string `json:"cancel_reason,omitempty"`
	Calls        []Call `json:"calls,omitempty"`
	// Summary is the AI's summary, when the coach shared it.
	Summary string `json:"summary,omitempty"`
}

// Call is one call of a session: when, how long, the chat and what the AI
// heard.
type Call struct {
	OpenedAt   time.Time  `json:"opened_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
	Seconds    int        `json:"seconds"`
	Chat       []Line     `json:"chat,omitempty"`
	Transcript []Line     `json:"transcript,omitempty"`
}

// Line is one line of a chat, a transcript or a conversation.
type Line struct {
	At   time.Time `json:"at"`
	Who  string    `json:"who"`
	Body string    `json:"body"`
	// File is the path of the attached file inside the archive.
	File string `json:"file,omitempty"`
}

// Conversation is the client's messages with one coach.
type Conversation struct {
	With     string `json:"with"`
	Messages []Line `json:"messages"`
}

// MembershipLine is one change the Skool sync made to the person.
type MembershipLine struct {
	At   time.Time `json:"at"`
	What string    `json:"what"`
	From string    `json:"from"`
	To   string    `json:"to"`
	Why  string    `json:"why"`
}

// exportFile is a stored file to put in the archive.
type exportFile struct {
	id   int64
	path string
}

// ExportTo writes the client's export, a ZIP, to w: for the client
// themself or an admin; a second export of the same person while one is
// being made is refused (ECONFLICT). The export is recorded in the audit
// log.
func (s *Service) ExportTo(ctx context.Context, clientID int64, w io.Writer) error {
	a, u, err := s.subject(ctx, clientID)
	if err != nil {
		return err
	}
	holder, err := s.exportHolder()
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	held, err := s.Store.AcquireLease(ctx, exportLease(clientID), holder, now.Add(exportHold), now)
	if err != nil {
		return err
	}
	if !held {
		return app.Errorf(app.ECONFLICT, "an export of %s is being made already; try again when it is done", u.DisplayName())
	}
	defer s.Store.ReleaseLease(context.WithoutCancel(ctx), exportLease(clientID), holder)
	e, files, err := s.gather(ctx, u)
	if err != nil {
		return err
	}
	by := "by themself"
	if a.UserID != clientID {
		by = "by an admin"
	}
	if err := audit.Record(ctx, s.Audit, s.Clock, audit.Exported, clientID, by); err != nil {
		return fmt.Errorf("record the export: %w", err)
	}
	return s.writeZip(ctx, w, e, files)
}

// gather reads everything held about the client.
func (s *Service) gather(ctx context.Context, u *coaching.User) (*Export, []exportFile, error) {
	e := &Export{Format: ExportFormat, ExportedAt: s.Clock.Now().UTC(), Person: u, Profile: map[string]any{}}
	if p, err := s.Store.Profile(ctx, u.ID); err == nil {
		e.Profile = p.Data
	} else if app.ErrorCode(err) != app.ENOTFOUND {
		return nil, nil, err
	}
	coaches, err := s.Store.ListCoaches(ctx, u.ID, coaching.Page{Limit: 1000})
	if err != nil {
		return nil, nil, err
	}
	names := map[int64]string{u.ID: u.DisplayName(), 0: "AI co-coach"}
	for _, c := range coaches {
		e.Coaches = append(e.Coaches, Person{ID: c.ID, Name: c.DisplayName(), Email: c.Email})
		names[c.ID] = c.DisplayName()
	}
	if e.Sessions, err = s.sessions(ctx, u.ID, names); err != nil {
		return nil, nil, err
	}
	var files []exportFile
	if e.Messages, files, err = s.conversations(ctx, u.ID, names); err != nil {
		return nil, nil, err
	}
	if e.Answers, err = s.questionnaires(ctx, u.ID); err != nil {
		return nil, nil, err
	}
	if e.Goals, err = s.goals(ctx, u.ID); err != nil {
		return nil, nil, err
	}
	history, err := s.Store.MembershipHistory(ctx, u.Email, 10000)
	if err != nil {
		return nil, nil, err
	}
	e.Membership = membershipLines(history)
	return e, files, nil
}

// sessions reads the client's appointments, oldest first, with their calls.
func (s *Service) sessions(ctx context.Context, clientID int64, names map[int64]string) ([]Session, error) {
	var out []Session
	for offset := 0; ; offset += 500 {
		list, err := s.Store.ListAppointments(ctx, coaching.AppointmentFilter{ClientID: clientID, Page: coaching.Page{Limit: 500, Offset: offset}})
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			if a.Coach != nil {
				names[a.CoachID] = a.Coach.DisplayName()
			}
			sess, err := s.session(ctx, a, names)
			if err != nil {
				return nil, err
			}
			out = append(out, sess)
		}
		if len(list) < 500 {
			return out, nil
		}
	}
}

// session reads one appointment's calls, their chats and transcripts, and
// its summary when shared.
func (s *Service) session(ctx context.Context, a *coaching.Appointment, names map[int64]string) (Session, error) {
	out := Session{ID: a.ID, Title: a.Title, Coach: names[a.CoachID], StartsAt: a.StartsAt, Minutes: int(a.Duration / time.Minute),
		Status: string(a.Status), Notes: a.Notes, CancelReason: a.CancelReason}
	calls, err := s.Store.ListCallSessions(ctx, a.ID)
	if err != nil {
		return out, err
	}
	for _, cs := range calls {
		call := Call{OpenedAt: cs.OpenedAt, StartedAt: cs.StartedAt, EndedAt: cs.EndedAt, Seconds: int(cs.Duration / time.Second)}
		if call.Chat, err = s.chat(ctx, cs.ID, names); err != nil {
			return out, err
		}
		lines, err := s.Store.TranscriptLines(ctx, cs.ID, 0, 100000)
		if err != nil {
			return out, err
		}
		for _, l := range lines {
			call.Transcript = append(call.Transcript, Line{At: l.CreatedAt, Who: nameOf(names, l.SpeakerID), Body: l.Body})
		}
		out.Calls = append(out.Calls, call)
	}
	sum, err := s.Store.SummaryOf(ctx, a.ID)
	switch {
	case err == nil && sum.Shared:
		out.Summary = sum.Body
	case err != nil && app.ErrorCode(err) != app.ENOTFOUND:
		return out, err
	}
	return out, nil
}

// chat reads a call's whole chat.
func (s *Service) chat(ctx context.Context, sessionID int64, names map[int64]string) ([]Line, error) {
	var out []Line
	for after := int64(0); ; {
		msgs, err := s.Store.MessagesAfter(ctx, sessionID, after, 1000)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			who := nameOf(names, m.SenderID)
			if m.Kind == chat.KindSystem {
				who = "Rapport"
			}
			out = append(out, Line{At: m.CreatedAt, Who: who, Body: m.Body})
			after = m.Seq
		}
		if len(msgs) < 1000 {
			return out, nil
		}
	}
}

// conversations reads the client's conversations, and lists their files.
func (s *Service) conversations(ctx context.Context, clientID int64, names map[int64]string) ([]Conversation, []exportFile, error) {
	list, err := s.Store.Conversations(ctx, clientID)
	if err != nil {
		return nil, nil, err
	}
	var out []Conversation
	var files []exportFile
	for _, c := range list {
		names[c.Other.ID] = c.Other.DisplayName()
		conv := Conversation{With: c.Other.DisplayName()}
		for after := int64(0); ; {
			msgs, err := s.Store.Messages(ctx, c.ID, conversation.Page{Forward: true, After: after, Limit: conversation.MaxPage})
			if err != nil {
				return nil, nil, err
			}
			for _, m := range msgs {
				l := Line{At: m.CreatedAt, Who: nameOf(names, m.SenderID), Body: m.Body}
				if m.File != nil {
					l.File = "files/" + strconv.FormatInt(m.File.ID, 10) + "-" + safeName(m.File.Name)
					files = append(files, exportFile{id: m.File.ID, path: l.File})
				}
				conv.Messages = append(conv.Messages, l)
				after = m.Seq
			}
			if len(msgs) < conversation.MaxPage {
				break
			}
		}
		out = append(out, conv)
	}
	return out, files, nil
}

// questionnaires reads every questionnaire sent to the client, with their
// answers.
func (s *Service) questionnaires(ctx context.Context, clientID int64) ([]Questionnaire, error) {
	var out []Questionnaire
	for offset := 0; ; offset += 200 {
		list, err := s.Store.Requests(ctx, intake.RequestFilter{ClientID: clientID, Page: coaching.Page{Limit: 200, Offset: offset}})
		if err != nil {
			return nil, err
		}
		for _, r := range list {
			q := Questionnaire{Title: r.Version.Title, From: r.Coach.DisplayName(), SentAt: r.SentAt, SubmittedAt: r.SubmittedAt}
			for _, it := range r.Items() {
				q.Items = append(q.Items, Answer{Question: it.Text, Answer: it.Answer})
			}
			out = append(out, q)
		}
		if len(list) < 200 {
			return out, nil
		}
	}
}

// goals reads the client's goals with every coach.
func (s *Service) goals(ctx context.Context, clientID int64) ([]Goal, error) {
	list, err := s.Store.ListGoals(ctx, record.Scope{ClientID: clientID})
	if err != nil {
		return nil, err
	}
	out := make([]Goal, len(list))
	for i, g := range list {
		out[i] = Goal{Title: g.Title, With: g.CoachName, Progress: g.Progress, Note: g.Note, Achieved: g.Achieved(),
			AchievedAt: g.AchievedAt, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	}
	return out, nil
}

func membershipLines(history []membership.HistoryEvent) []MembershipLine {
	out := make([]MembershipLine, 0, len(history))
	for _, h := range history {
		out = append(out, MembershipLine{At: h.At, What: h.What, From: h.From, To: h.To, Why: h.Why})
	}
	return out
}

func nameOf(names map[int64]string, id int64) string {
	if n, ok := names[id]; ok {
		return n
	}
	return "someone"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
