package web

import (
	"crypto/rand"
	"net/http"
	"strconv"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
)

// messagesData is the list of the caller's conversations, and the people
// they may start one with.
type messagesData struct {
	Conversations []*conversation.Summary
	Start         []*coaching.User // people with no conversation yet
}

func (messagesData) PageTitle() string { return "Messages" }

// messagesPage lists the caller's conversations, most recent first.
func (s *Server) messagesPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	list, err := s.conversations.List(r.Context())
	var people []*coaching.User
	if err == nil {
		people, err = s.correspondents(r, u)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	have := map[int64]bool{}
	for _, c := range list {
		have[c.Other.ID] = true
	}
	d := messagesData{Conversations: list}
	for _, p := range people {
		if !have[p.ID] {
			d.Start = append(d.Start, p)
		}
	}
	s.render(w, r, http.StatusOK, "messages", d)
}

// correspondents are the people the caller may write to: a coach's
// clients, a client's coaches.
func (s *Server) correspondents(r *http.Request, u *coaching.User) ([]*coaching.User, error) {
	all := coaching.Page{Limit: 500}
	switch u.Role {
	case app.RoleCoach:
		return s.svc.ListClients(r.Context(), all)
	case app.RoleClient:
		return s.svc.ListCoaches(r.Context(), all)
	}
	return nil, nil
}

// conversationWith opens the caller's conversation with a person.
func (s *Server) conversationWith(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	other, err := pathID(r, "user")
	var c *conversation.Conversation
	if err == nil {
		c, err = s.conversations.With(r.Context(), other)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/messages/"+itoa(c.ID), http.StatusSeeOther)
}

// conversationData is one conversation's page.
type conversationData struct {
	Conversation *conversation.Conversation
	Other        *coaching.User
	Messages     []*conversation.Message
	Earlier      bool // older messages than these exist
	Me           int64
	// ClientID is the new message's ID, made with the page, so that a
	// form sent twice stores one message.
	ClientID string
	Body     string
	Fields   map[string]string
	Message  string
	Sessions []*coaching.Appointment // the pair's sessions, whose chats stay in their pages
}

func (d conversationData) PageTitle() string { return d.Other.DisplayName() }

// conversationPage shows a conversation, newest at the bottom, and marks
// what it shows as read.
func (s *Server) conversationPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	d, err := s.conversationView(r, u)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if n := len(d.Messages); n > 0 {
		if err := s.conversations.MarkRead(r.Context(), d.Conversation.ID, d.Messages[n-1].Seq); err != nil {
			s.log.WarnContext(r.Context(), "mark a conversation read", "err", err)
		}
	}
	s.render(w, r, http.StatusOK, "conversation", d)
}

// pageMessages is how many messages a conversation's page shows.
const pageMessages = 100

// conversationView gathers a conversation's page.
func (s *Server) conversationView(r *http.Request, u *coaching.User) (*conversationData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	c, err := s.conversations.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &conversationData{Conversation: c, Me: u.ID, ClientID: newClientID()}
	if d.Other, err = s.conversations.Peer(r.Context(), c); err != nil {
		return nil, err
	}
	if d.Messages, err = s.conversations.Messages(r.Context(), id, conversation.Page{Limit: pageMessages}); err != nil {
		return nil, err
	}
	d.Earlier = len(d.Messages) > 0 && d.Messages[0].Seq > 1
	d.Sessions, err = s.svc.ListAppointments(r.Context(), coaching.AppointmentFilter{CoachID: c.CoachID, ClientID: c.ClientID,
		To: s.svc.Clock.Now(), Desc: true, Page: coaching.Page{Limit: 20}})
	return d, err
}

// sendMessageForm is the conversation page's form without JavaScript: the
// message is stored and the page shown again; a refused one comes back
// with the reason and the text as typed.
func (s *Server) sendMessageForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		_, err = s.conversations.Get(r.Context(), id)
	}
	var in messageInput
	if err == nil {
		in, err = readMessage(w, r)
	}
	if err == nil {
		_, err = s.conversations.Send(r.Context(), id, in.ClientID, in.Body, in.Upload)
	}
	if app.ErrorCode(err) == app.EINVALID {
		d, verr := s.conversationView(r, u)
		if verr != nil {
			s.Error(w, r, verr)
			return
		}
		d.Body, d.Fields, d.Message = in.Body, app.ErrorFields(err), app.ErrorMessage(err)
		if in.ClientID != "" {
			d.ClientID = in.ClientID
		}
		s.render(w, r, http.StatusBadRequest, "conversation", d)
		return
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/messages/"+strconv.FormatInt(id, 10)+"#compose", http.StatusSeeOther)
}

// newClientID is a random message ID for a form.
func newClientID() string { return "f-" + rand.Text() }
