package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/room"
)

func (s *Server) roomRoutes() {
	m := s.mux
	m.HandleFunc("GET /rooms/{room_id}/signal", s.inRoom(s.roomSignal))
	m.HandleFunc("POST /rooms/{room_id}/poll", s.inRoom(s.roomPollOpen))
	m.HandleFunc("POST /rooms/{room_id}/poll/{conn}", s.signedIn(s.roomPollSend))
	m.HandleFunc("GET /rooms/{room_id}/poll/{conn}", s.signedIn(s.roomPoll))
	m.HandleFunc("DELETE /rooms/{room_id}/poll/{conn}", s.signedIn(s.roomPollClose))
	m.HandleFunc("GET /events", s.signedIn(s.events))
	m.HandleFunc("GET /api/v1/sessions/{id}/messages", s.signedIn(s.apiSessionMessages))
}

// inRoom wraps a handler for a room the signed-in user may enter; anyone
// else is told the room does not exist.
func (s *Server) inRoom(h func(http.ResponseWriter, *http.Request, *coaching.User, *coaching.Appointment)) http.HandlerFunc {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request, u *coaching.User) {
		appt, err := s.svc.Room(r.Context(), r.PathValue("room_id"))
		if err != nil {
			s.Error(w, r, err)
			return
		}
		h(w, r, u, appt)
	})
}

// roomSignal opens the room's WebSocket, authenticated like every page by
// the session cookie (no bypass), with the Origin checked.
func (s *Server) roomSignal(w http.ResponseWriter, r *http.Request, u *coaching.User, appt *coaching.Appointment) {
	s.signal.ServeWS(w, r, appt, u, s.originPatterns)
}

func (s *Server) roomPollOpen(w http.ResponseWriter, r *http.Request, u *coaching.User, appt *coaching.Appointment) {
	s.signal.OpenPoll(w, r, appt, u)
}

func (s *Server) roomPollSend(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if err := s.signal.PollSend(w, r, u); err != nil {
		s.Error(w, r, err)
	}
}

func (s *Server) roomPoll(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if err := s.signal.Poll(w, r, u); err != nil {
		s.Error(w, r, err)
	}
}

func (s *Server) roomPollClose(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if err := s.signal.ClosePoll(w, r, u); err != nil {
		s.Error(w, r, err)
	}
}

// events streams notices to a signed-in page (server-sent events): someone
// is waiting in your room. An open stream also tells rooms that the person
// is around.
func (s *Server) events(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	sub := s.hub.Subscribe(u.ID)
	defer sub.Close()
	fmt.Fprint(w, "retry: 5000\n\n")
	rc.Flush()
	beat := time.NewTicker(20 * time.Second)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, open := <-sub.C:
			if !open {
				return // the server is shutting down
			}
			fmt.Fprintf(w, "data: %s\n\n", ev)
		case <-beat.C:
			fmt.Fprint(w, ": still here\n\n")
		}
		if rc.Flush() != nil {
			return
		}
	}
}

// messagesPage is a page of a session's chat.
type messagesPage struct {
	Items []room.Message `json:"items"`
	// Before is what to pass as ?before= for the page before this one; 0
	// when this page reaches the first message.
	Before int64 `json:"before"`
}

// apiSessionMessages pages the chat of a call session, newest last:
// ?before=SEQ&limit=N (at most 200).
func (s *Server) apiSessionMessages(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	before, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	if err != nil && r.URL.Query().Get("before") != "" || before < 0 {
		s.Error(w, r, app.Invalid(map[string]string{"before": "must be a message sequence number"}))
		return
	}
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	page, err := s.sessionMessages(r, id, before, min(max(limit, 1), 200))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// sessionMessages reads a page of a session the caller may see.
func (s *Server) sessionMessages(r *http.Request, sessionID, before int64, limit int) (*messagesPage, error) {
	cs, err := s.svc.CallSession(r.Context(), sessionID)
	if err != nil {
		return nil, err
	}
	appt, err := s.svc.Appointment(r.Context(), cs.AppointmentID)
	if err != nil {
		return nil, err
	}
	list, err := s.history.MessagesBefore(r.Context(), cs.ID, before, limit)
	if err != nil {
		return nil, err
	}
	page := &messagesPage{Items: make([]room.Message, len(list))}
	for i, m := range list {
		page.Items[i] = room.Message{Message: m, SenderName: senderName(appt, m.SenderID)}
	}
	if len(list) == limit && list[0].Seq > 1 {
		page.Before = list[0].Seq
	}
	return page, nil
}

func senderName(appt *coaching.Appointment, id int64) string {
	switch id {
	case appt.CoachID:
		return appt.Coach.DisplayName()
	case appt.ClientID:
		return appt.Client.DisplayName()
	}
	return ""
}
