package intake_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/intake"
	"rapport/internal/mail"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// now is the fixed "now" of the tests.
var now = time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)

// world is a fresh SQLite database with both services over it, a coach
// with a client, another coach with another client, and an admin.
type world struct {
	db                                            *store.DB
	clock                                         *app.FixedClock
	coaching                                      *coaching.Service
	svc                                           *intake.Service
	coach, otherCoach, client, otherClient, admin *coaching.User
}

func mustWorld(t *testing.T) *world {
	t.Helper()
	db := storetest.MustOpen(t, "sqlite")
	w := &world{db: db, clock: app.NewFixedClock(now)}
	w.coaching = coaching.NewService(db, w.clock)
	w.svc = intake.NewService(db, w.clock)
	w.coaching.Practice = coaching.Practice{Name: "Bright Path", URL: "https://coach.example.com"}
	w.svc.Practice = w.coaching.Practice
	w.coaching.OnBooking = w.svc.Booked
	for _, u := range []struct {
		p     **coaching.User
		email string
		role  app.Role
	}{{&w.coach, "coach@example.com", app.RoleCoach}, {&w.otherCoach, "other.coach@example.com", app.RoleCoach},
		{&w.client, "client@example.com", app.RoleClient}, {&w.otherClient, "other.client@example.com", app.RoleClient},
		{&w.admin, "admin@example.com", app.RoleAdmin}} {
		*u.p = &coaching.User{Email: u.email, Name: "Name of " + u.email, Role: u.role, Status: coaching.StatusActive, CreatedAt: now, UpdatedAt: now}
		if err := db.CreateUser(context.Background(), *u.p); err != nil {
			t.Fatal(err)
		}
	}
	for _, pair := range [][2]*coaching.User{{w.coach, w.client}, {w.otherCoach, w.otherClient}} {
		if err := db.LinkCoachClient(context.Background(), pair[0].ID, pair[1].ID, now); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func as(u *coaching.User) context.Context { return app.WithActor(context.Background(), u.Actor()) }

// draft is content() as a coach gives it: the questions without IDs.
func draft() intake.Draft {
	c := *content()
	c.Questions = slices.Clone(c.Questions)
	for i := range c.Questions {
		c.Questions[i].ID = 0
	}
	return intake.Draft{Content: c}
}

// mustCreate creates draft() as the coach.
func (w *world) mustCreate(t *testing.T) *intake.Questionnaire {
	t.Helper()
	qn, err := w.svc.Create(as(w.coach), draft())
	if err != nil {
		t.Fatal(err)
	}
	return qn
}

// mustSend sends qn to the client as the coach.
func (w *world) mustSend(t *testing.T, qn *intake.Questionnaire) *intake.Request {
	t.Helper()
	r, err := w.svc.Send(as(w.coach), qn.ID, w.client.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// mustCode checks err's app code.
func mustCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := app.ErrorCode(err); got != want {
		t.Fatalf("%v: code %q, want %q", err, got, want)
	}
}

// TestEditsKeepWhatWasAsked: new questions get fresh IDs, edits keep
// theirs, and what a client was sent does not change when the coach edits
// the questionnaire: a send freezes a version only when the questionnaire
// changed since the last one.
func TestEditsKeepWhatWasAsked(t *testing.T) {
	t.Parallel()
	w := mustWorld(t)
	qn := w.mustCreate(t)
	var ids []int64
	for _, q := range qn.Questions {
		ids = append(ids, q.ID)
	}
	if !slices.Equal(ids, []int64{1, 2, 3, 4, 5, 6}) || qn.NextQuestion != 7 || !qn.Changed || qn.CoachID != w.coach.ID {
		t.Fatalf("created %+v", qn)
	}
	first := w.mustSend(t, qn)
	if first.Version.Number != 1 || len(first.Version.Questions) != 6 {
		t.Fatalf("first request at %+v", first.Version)
	}
	second, err := w.svc.Send(as(w.otherCoach), qn.ID, w.otherClient.ID)
	mustCode(t, err, app.ENOTFOUND)
	if _, err := w.svc.Submit(as(w.client), first.ID, map[string][]string{"1": {"Stress"}, "5": {"4"}}); err != nil {
		t.Fatal(err)
	}

	// Move the scale first, reword it, delete the date, add a question.
	d := intake.Draft{Content: qn.Content, Repeat: true}
	d.Questions = slices.Clone(qn.Questions[:5])
	d.Questions[4].Text = "How well do you sleep these days?"
	d.Questions = append([]intake.Question{d.Questions[4]}, d.Questions[:4]...)
	d.Questions = append(d.Questions, intake.Question{Kind: intake.LongText, Text: "Anything else?"})
	edited, err := w.svc.Update(as(w.coach), qn.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	ids = ids[:0]
	for _, q := range edited.Questions {
		ids = append(ids, q.ID)
	}
	if !slices.Equal(ids, []int64{5, 1, 2, 3, 4, 7}) || !edited.Changed || !edited.Repeat {
		t.Fatalf("edited %v %+v", ids, edited)
	}
	answered, err := w.svc.Request(as(w.coach), first.ID)
	if err != nil {
		t.Fatal(err)
	}
	items := answered.Items()
	if len(items) != 6 || items[4].Text != "How well do you sleep?" || !slices.Equal(items[4].Answer, []string{"4"}) || items[5].Kind != intake.Date {
		t.Errorf("the answered request no longer shows what was asked: %+v", items)
	}
	w.clock.Advance(time.Hour)
	second, err = w.svc.Send(as(w.coach), qn.ID, w.client.ID)
	if err != nil {
		t.Fatal(err)
	}
	if second.Version.Number != 2 || second.Version.Questions[0].Text != "How well do you sleep these days?" {
		t.Errorf("the second request at %+v", second.Version)
	}

	// Saving it unchanged after a send freezes nothing new.
	d.Questions = edited.Questions
	same, err := w.svc.Update(as(w.coach), qn.ID, d)
	if err != nil || same.Changed {
		t.Errorf("an update that changes nothing: %+v %v", same, err)
	}
	for _, tc := range []struct {
		name  string
		id    int64
		field string
	}{{"an ID of another questionnaire's numbering", 99, "questions.0.id"}, {"a deleted question's ID", 6, "questions.0.id"}} {
		bad := d
		bad.Questions = append([]intake.Question{{ID: tc.id, Kind: intake.ShortText, Text: "Hi"}}, d.Questions...)
		_, err := w.svc.Update(as(w.coach), qn.ID, bad)
		mustCode(t, err, app.EINVALID)
		if _, ok := app.ErrorFields(err)[tc.field]; !ok {
			t.Errorf("%s: fields %v", tc.name, app.ErrorFields(err))
		}
	}
	twice := d
	twice.Questions = append(slices.Clone(d.Questions), d.Questions[0])
	if _, err := w.svc.Update(as(w.coach), qn.ID, twice); app.ErrorFields(err)["questions.6.id"] == "" {
		t.Errorf("a question twice: %v", err)
	}
	if got, _ := w.svc.Questionnaire(as(w.coach), qn.ID); len(got.Questions) != 6 {
		t.Errorf("a refused update changed the questionnaire: %+v", got.Questions)
	}
}

// TestAnswering: a client saves an incomplete draft and comes back to it,
// a wrong answer is refused whole (the draft stays as it was), a
// submission wants every required answer, and after it nothing changes;
// the coach reads the answers once submitted, not the draft.
func TestAnswering(t *testing.T) {
	t.Parallel()
	w := mustWorld(t)
	r := w.mustSend(t, w.mustCreate(t))
	saved, err := w.svc.Save(as(w.client), r.ID, map[string][]string{"2": {"Some of it"}, "4": {"Health"}})
	if err != nil || saved.Status() != intake.StatusDraft {
		t.Fatalf("draft: %+v %v", saved, err)
	}
	if got, _ := w.svc.Request(as(w.coach), r.ID); len(got.Answers) != 0 || got.Status() != intake.StatusDraft {
		t.Errorf("the coach reads the client's draft: %+v", got.Answers)
	}
	_, err = w.svc.Save(as(w.client), r.ID, map[string][]string{"2": {"Changed"}, "5": {"eleven"}})
	mustCode(t, err, app.EINVALID)
	if !strings.Contains(app.ErrorFields(err)["answers.5"], "How well do you sleep?") {
		t.Errorf("the error does not name the question: %v", app.ErrorFields(err))
	}
	back, err := w.svc.Request(as(w.client), r.ID)
	if err != nil || !slices.Equal(back.Answers[2], []string{"Some of it"}) || !slices.Equal(back.Answers[4], []string{"Health"}) {
		t.Fatalf("the draft after a refused save: %+v %v", back, err)
	}
	_, err = w.svc.Submit(as(w.client), r.ID, nil)
	mustCode(t, err, app.EINVALID)
	if f := app.ErrorFields(err); len(f) != 2 || f["answers.1"] == "" || f["answers.5"] == "" {
		t.Errorf("submitting the draft without its required answers: %v", f)
	}
	if _, err := w.svc.Save(as(w.coach), r.ID, map[string][]string{"1": {"x"}}); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Errorf("the coach answers: %v, want EFORBIDDEN", err)
	}
	if _, err := w.svc.Save(as(w.client), r.ID, map[string][]string{"1": {"Stress"}, "2": {"All of it"}, "4": {"Health"}, "5": {"6"}}); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(time.Minute)
	done, err := w.svc.Submit(as(w.client), r.ID, nil)
	if err != nil || done.Status() != intake.StatusSubmitted || !done.SubmittedAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("submit the draft: %+v %v", done, err)
	}
	for _, try := range []func() (*intake.Request, error){
		func() (*intake.Request, error) {
			return w.svc.Save(as(w.client), r.ID, map[string][]string{"1": {"Other"}})
		},
		func() (*intake.Request, error) { return w.svc.Submit(as(w.client), r.ID, nil) },
	} {
		_, err := try()
		mustCode(t, err, app.ECONFLICT)
	}
	read, err := w.svc.Request(as(w.coach), r.ID)
	if err != nil || !slices.Equal(read.Answers[1], []string{"Stress"}) || !slices.Equal(read.Answers[5], []string{"6"}) {
		t.Fatalf("the coach reads %+v %v", read, err)
	}
	answered, err := w.svc.Answered(as(w.coach), w.client.ID)
	if err != nil || len(answered) != 1 || answered[0].ID != r.ID || answered[0].Items()[0].Answer[0] != "Stress" {
		t.Errorf("answered, for the client's record: %+v %v", answered, err)
	}
	if mine, err := w.svc.Answered(as(w.client), w.client.ID); err != nil || len(mine) != 1 {
		t.Errorf("answered, for the client: %v %v", mine, err)
	}
}

// TestWhoSeesWhat: a questionnaire is its coach's alone; a request its
// client's and, read-only, its coach's; everyone else is told it is not
// found, and a role that has no questionnaires may not make one.
func TestWhoSeesWhat(t *testing.T) {
	t.Parallel()
	w := mustWorld(t)
	qn := w.mustCreate(t)
	r := w.mustSend(t, qn)
	for _, u := range []*coaching.User{w.otherCoach, w.client, w.otherClient, w.admin} {
		if _, err := w.svc.Questionnaire(as(u), qn.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s reads the questionnaire: %v", u.Email, err)
		}
		if _, err := w.svc.Update(as(u), qn.ID, draft()); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s edits the questionnaire: %v", u.Email, err)
		}
		if err := w.svc.Archive(as(u), qn.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s archives the questionnaire: %v", u.Email, err)
		}
		if _, err := w.svc.Send(as(u), qn.ID, w.client.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s sends the questionnaire: %v", u.Email, err)
		}
	}
	for _, u := range []*coaching.User{w.otherCoach, w.otherClient, w.admin} {
		if _, err := w.svc.Request(as(u), r.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s reads the request: %v", u.Email, err)
		}
		if _, err := w.svc.Save(as(u), r.ID, nil); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s answers the request: %v", u.Email, err)
		}
		if _, err := w.svc.Answered(as(u), w.client.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s reads the client's answers: %v", u.Email, err)
		}
	}
	for _, u := range []*coaching.User{w.client, w.admin} {
		if _, err := w.svc.Create(as(u), draft()); app.ErrorCode(err) != app.EFORBIDDEN {
			t.Errorf("%s creates a questionnaire: %v", u.Email, err)
		}
	}
	if _, err := w.svc.Requests(as(w.admin), intake.RequestFilter{}); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Errorf("an admin lists requests: %v", err)
	}
	if _, err := w.svc.Create(context.Background(), draft()); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Errorf("nobody creates a questionnaire: %v", err)
	}
	for _, tc := range []struct {
		u    *coaching.User
		want int
	}{{w.coach, 1}, {w.client, 1}, {w.otherCoach, 0}, {w.otherClient, 0}} {
		if list, err := w.svc.Requests(as(tc.u), intake.RequestFilter{}); err != nil || len(list) != tc.want {
			t.Errorf("%s lists %d requests (%v), want %d", tc.u.Email, len(list), err, tc.want)
		}
	}
}

// TestAFormerCoachReadsNoAnswers: once the client is no longer theirs,
// the coach who sent a questionnaire reads it neither alone nor in their
// list; the client still reads it.
func TestAFormerCoachReadsNoAnswers(t *testing.T) {
	t.Parallel()
	w := mustWorld(t)
	r := w.mustSend(t, w.mustCreate(t))
	if _, err := w.svc.Submit(as(w.client), r.ID, map[string][]string{"1": {"Stress"}, "5": {"7"}}); err != nil {
		t.Fatal(err)
	}
	if got, err := w.svc.Request(as(w.coach), r.ID); err != nil || len(got.Answers) == 0 {
		t.Fatalf("the coach reads the answers: %+v %v", got, err)
	}
	if err := w.db.UnlinkCoachClient(context.Background(), w.coach.ID, w.client.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Request(as(w.coach), r.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("a former coach reads the answers: %v", err)
	}
	if list, err := w.svc.Requests(as(w.coach), intake.RequestFilter{}); err != nil || len(list) != 0 {
		t.Errorf("a former coach lists %d requests (%v), want none", len(list), err)
	}
	if got, err := w.svc.Request(as(w.client), r.ID); err != nil || len(got.Answers) == 0 {
		t.Errorf("the client reads their answers: %+v %v", got, err)
	}
}

// TestSend: sending queues the client an email that links to the request,
// in the same transaction; a client who has it waiting is not sent it
// again, and someone who is not the coach's client is refused by name.
func TestSend(t *testing.T) {
	t.Parallel()
	w := mustWorld(t)
	qn := w.mustCreate(t)
	r := w.mustSend(t, qn)
	queued := w.mail(t)
	m := queued[intake.RequestMailKey(r.ID)]
	if len(queued) != 1 || m == nil || m.To != w.client.Email || m.Subject != "Name of coach@example.com asks you to fill in “Before we start”" ||
		!strings.Contains(m.Text, "https://coach.example.com/questionnaire-requests/"+itoa(r.ID)) || !strings.Contains(m.Text, "(6 questions)") ||
		!strings.Contains(m.HTML, `href="https://coach.example.com/questionnaire-requests/`+itoa(r.ID)+`"`) {
		t.Fatalf("queued %v, the email %+v", queued, m)
	}
	_, err := w.svc.Send(as(w.coach), qn.ID, w.client.ID)
	mustCode(t, err, app.ECONFLICT)
	if app.ErrorFields(err)["client_id"] == "" {
		t.Errorf("a second send names no field: %v", err)
	}
	_, err = w.svc.Send(as(w.coach), qn.ID, w.otherClient.ID)
	mustCode(t, err, app.EINVALID)
	if app.ErrorFields(err)["client_id"] != "is not a client of yours" {
		t.Errorf("a send to another coach's client: %v", err)
	}
	if n := len(w.mail(t)); n != 1 {
		t.Errorf("%d emails after two refused sends, want 1", n)
	}
	if err := w.svc.Archive(as(w.coach), qn.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Send(as(w.coach), qn.ID, w.client.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("sending an archived questionnaire: %v", err)
	}
	if kept, err := w.svc.Request(as(w.client), r.ID); err != nil || kept.Version.Title != "Before we start" {
		t.Errorf("a request of an archived questionnaire: %+v %v", kept, err)
	}
}

// TestAskedAtBooking: a session type that asks for a questionnaire asks
// the client who books it, in the booking's transaction, and the booking
// email links to the request; a client who has it to fill in is pointed
// at that one, and one who answered it is not asked again unless it
// repeats at every booking.
func TestAskedAtBooking(t *testing.T) {
	t.Parallel()
	w := mustWorld(t)
	qn := w.mustCreate(t)
	st, err := w.coaching.CreateSessionType(as(w.coach), coaching.NewSessionType{Name: "Kickoff", Minutes: 60})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := w.coaching.CreateSessionType(as(w.otherCoach), coaching.NewSessionType{Name: "Theirs", Minutes: 60})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.AskAtBooking(as(w.coach), qn.ID, []int64{st.ID, theirs.ID})
	mustCode(t, err, app.EINVALID)
	if got, err := w.svc.AskAtBooking(as(w.coach), qn.ID, []int64{st.ID, st.ID}); err != nil || !slices.Equal(got.SessionTypeIDs, []int64{st.ID}) {
		t.Fatalf("ask at booking: %+v %v", got, err)
	}
	free, err := w.coaching.FreeSlotsOf(as(w.client), w.coach.ID, st.ID)
	if err != nil || len(free.Starts) < 10 {
		t.Fatalf("slots %v %v", free, err)
	}
	book := func(i int) *coaching.Appointment {
		t.Helper()
		a, err := w.coaching.BookSlot(as(w.client), w.coach.ID, st.ID, free.Starts[i*4])
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	requests := func() []*intake.Request {
		t.Helper()
		list, err := w.svc.Requests(as(w.client), intake.RequestFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	first := book(0)
	list := requests()
	if len(list) != 1 || list[0].AppointmentID != first.ID || list[0].Version.Number != 1 {
		t.Fatalf("after the first booking: %+v", list)
	}
	link := "https://coach.example.com/questionnaire-requests/" + itoa(list[0].ID)
	booked := w.mail(t)[coaching.AppointmentMailKey(coaching.MailBooked, first.ID, "client", 0)]
	if booked == nil || !strings.Contains(booked.Text, "Before the session: fill in the questionnaire “Before we start”\n"+link) {
		t.Fatalf("the booking email: %+v", booked)
	}
	second := book(1)
	if n := len(requests()); n != 1 {
		t.Errorf("%d requests after a second booking with one waiting, want 1", n)
	}
	if m := w.mail(t)[coaching.AppointmentMailKey(coaching.MailBooked, second.ID, "client", 0)]; m == nil || !strings.Contains(m.Text, link) {
		t.Errorf("the second booking email does not point at the waiting request")
	}
	if _, err := w.svc.Submit(as(w.client), list[0].ID, map[string][]string{"1": {"Stress"}, "5": {"5"}}); err != nil {
		t.Fatal(err)
	}
	third := book(2)
	if n := len(requests()); n != 1 {
		t.Errorf("%d requests after answering one asked once, want 1", n)
	}
	if m := w.mail(t)[coaching.AppointmentMailKey(coaching.MailBooked, third.ID, "client", 0)]; m == nil || strings.Contains(m.Text, "questionnaire") {
		t.Errorf("a booking email asks again for an answered questionnaire")
	}
	d := intake.Draft{Content: qn.Content, Repeat: true}
	if _, err := w.svc.Update(as(w.coach), qn.ID, d); err != nil {
		t.Fatal(err)
	}
	fourth := book(3)
	if list := requests(); len(list) != 2 || list[0].AppointmentID != fourth.ID {
		t.Errorf("a questionnaire asked at every booking: %+v", list)
	}
}

// mail returns the queued emails by key.
func (w *world) mail(t *testing.T) map[string]*mail.Queued {
	t.Helper()
	list, err := w.db.RecentMail(context.Background(), 200)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*mail.Queued{}
	for _, m := range list {
		out[m.Key] = m
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
