package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/protocol"
	"rapport/internal/room"
)

func (s *Server) roomRoutes() {
	m := s.mux
	m.HandleFunc("GET /rooms/{room_id}/signal", s.inRoom(s.routed(s.whileOpen(s.roomSignal))))
	m.HandleFunc("GET /rooms/{room_id}/media", s.inRoom(s.routed(s.whileOpen(s.roomTunnel))))
	m.HandleFunc("POST /rooms/{room_id}/poll", s.inRoom(s.routed(s.whileOpen(s.roomPollOpen))))
	m.HandleFunc("POST /rooms/{room_id}/poll/{conn}", s.inRoom(s.routed(s.roomPollSend)))
	m.HandleFunc("GET /rooms/{room_id}/poll/{conn}", s.inRoom(s.routed(s.roomPoll)))
	m.HandleFunc("DELETE /rooms/{room_id}/poll/{conn}", s.inRoom(s.routed(s.roomPollClose)))
	m.HandleFunc("POST /api/v1/appointments/{id}/agent-token", s.signedIn(s.apiAgentToken))
	m.HandleFunc("GET /events", s.signedIn(s.events))
	m.HandleFunc("GET /api/v1/sessions/{id}/messages", s.signedIn(s.apiSessionMessages))
	s.loadRoomRoutes()
}

// inRoom wraps a handler for a room the caller may enter: its coach or
// client by their session, or the AI co-coach's seat by the room's agent
// token. Anyone else is told the room does not exist.
func (s *Server) inRoom(h func(http.ResponseWriter, *http.Request, *coaching.User, *coaching.Appointment)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, appt, err := s.roomCaller(r)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		h(w, r, u, appt)
	}
}

func (s *Server) roomCaller(r *http.Request) (*coaching.User, *coaching.Appointment, error) {
	roomID := r.PathValue("room_id")
	agentRoom, err := s.sessions.AgentRoom(r)
	switch {
	case err != nil:
		return nil, nil, err
	case agentRoom != "":
		if agentRoom != roomID {
			return nil, nil, app.Errorf(app.ENOTFOUND, "room not found")
		}
		appt, err := s.svc.RoomForAgent(r.Context(), roomID)
		return room.AIUser(), appt, err
	}
	u := userFrom(r.Context())
	if u == nil {
		return nil, nil, app.Errorf(app.EUNAUTHORIZED, "please sign in")
	}
	appt, err := s.svc.Room(r.Context(), roomID)
	return u, appt, err
}

// roomHandler serves a request for a room the caller may enter.
type roomHandler = func(http.ResponseWriter, *http.Request, *coaching.User, *coaching.Appointment)

// routed serves a room's connection here when this node runs the room, and
// otherwise carries it to the node that does (in a cluster).
func (s *Server) routed(h roomHandler) roomHandler {
	if s.routeRoom == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request, u *coaching.User, appt *coaching.Appointment) {
		s.routeRoom(w, r, appt.ID, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(w, r, u, appt) }))
	}
}

// whileOpen lets a connection in only while the room is open: the
// appointment is scheduled and within its room's window (15 minutes before
// the start to an hour after the scheduled end: coaching.RoomOpenAt), or
// its call is live (a call under way goes on regardless).
func (s *Server) whileOpen(h func(http.ResponseWriter, *http.Request, *coaching.User, *coaching.Appointment)) func(http.ResponseWriter, *http.Request, *coaching.User, *coaching.Appointment) {
	return func(w http.ResponseWriter, r *http.Request, u *coaching.User, appt *coaching.Appointment) {
		if err := s.roomOpen(appt); err != nil {
			s.Error(w, r, err)
			return
		}
		h(w, r, u, appt)
	}
}

func (s *Server) roomOpen(appt *coaching.Appointment) error {
	if appt.Status == coaching.ApptCancelled { // even while its room winds down
		return app.Errorf(app.EFORBIDDEN, "this appointment is cancelled; its room is closed")
	}
	if s.rooms.Live(appt.ID) {
		return nil
	}
	now := s.svc.Clock.Now()
	switch {
	case appt.Status != coaching.ApptScheduled:
		return app.Errorf(app.EFORBIDDEN, "this appointment is %s; its room is closed", appt.Status)
	case now.Before(appt.RoomOpensAt()):
		return app.Errorf(app.EFORBIDDEN, "the room opens 15 minutes before the start")
	case !appt.RoomOpenAt(now):
		return app.Errorf(app.EFORBIDDEN, "the appointment is over; its room is closed")
	}
	return nil
}

// sessionIDOf is the sign-in session of r (0: the AI's seat, by its token).
func sessionIDOf(r *http.Request) int64 {
	if ss := sessionFrom(r.Context()); ss != nil {
		return ss.ID
	}
	return 0
}

// roomSignal opens the room's WebSocket, authenticated like every page by
// the session cookie (no bypass), with the Origin checked.
func (s *Server) roomSignal(w http.ResponseWriter, r *http.Request, u *coaching.User, appt *coaching.Appointment) {
	s.rooms.ServeWS(w, r, appt, u, sessionIDOf(r), s.originPatterns)
}

// roomTunnel opens the media tunnel's WebSocket for a ticket the caller's
// room connection was given ("media.tunnel").
func (s *Server) roomTunnel(w http.ResponseWriter, r *http.Request, u *coaching.User, appt *coaching.Appointment) {
	if err := s.rooms.ServeTunnel(w, r, appt, u, s.originPatterns); err != nil {
		s.Error(w, r, err)
	}
}

func (s *Server) roomPollOpen(w http.ResponseWriter, r *http.Request, u *coaching.User, appt *coaching.Appointment) {
	s.rooms.OpenPoll(w, r, appt, u, sessionIDOf(r))
}

func (s *Server) roomPollSend(w http.ResponseWriter, r *http.Request, u *coaching.User, _ *coaching.Appointment) {
	if err := s.rooms.PollSend(w, r, u); err != nil {
		s.Error(w, r, err)
	}
}

func (s *Server) roomPoll(w http.ResponseWriter, r *http.Request, u *coaching.User, _ *coaching.Appointment) {
	if err := s.rooms.Poll(w, r, u); err != nil {
		s.Error(w, r, err)
	}
}

func (s *Server) roomPollClose(w http.ResponseWriter, r *http.Request, u *coaching.User, _ *coaching.Appointment) {
	if err := s.rooms.ClosePoll(w, r, u); err != nil {
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
	Items []protocol.Message `json:"items"`
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
	list, err := s.history.MessagesBefore(r.Context(), cs.ID, before, limit+1)
	if err != nil {
		return nil, err
	}
	page := &messagesPage{Items: make([]protocol.Message, 0, len(list))}
	if len(list) > limit { // one more than asked for: an earlier page exists
		list = list[1:]
		page.Before = list[0].Seq
	}
	for _, m := range list {
		page.Items = append(page.Items, protocol.MessageOf(m, room.SenderName(appt, m)))
	}
	return page, nil
}

// apiAgentToken gives the appointment's coach a token that lets a program
// take the AI co-coach's seat in the room (the co-coach worker, a load
// generator), valid until an hour after the scheduled end, 12 hours at most.
func (s *Server) apiAgentToken(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	var appt *coaching.Appointment
	if err == nil {
		appt, err = s.svc.Appointment(r.Context(), id)
	}
	if err == nil && appt.CoachID != u.ID {
		err = app.Errorf(app.EFORBIDDEN, "only the appointment's coach can bring the AI co-coach in")
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	now := s.svc.Clock.Now()
	expires := appt.EndsAt().Add(time.Hour)
	if limit := now.Add(12 * time.Hour); expires.After(limit) {
		expires = limit
	}
	if soon := now.Add(time.Hour); expires.Before(soon) {
		expires = soon
	}
	tok, err := s.sessions.AgentToken(appt.RoomID, expires)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": tok, "room_id": appt.RoomID, "expires_at": expires})
}
