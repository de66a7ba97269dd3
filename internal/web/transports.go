package web

import (
	"net/http"

	"rapport/internal/coaching"
)

// Rooms is what the web layer needs of the rooms' transports (package
// signaling's Server): to serve a room's connections in their three forms, to
// close a session's when it signs out, and to know whether a room is live.
// The handlers know nothing else of the rooms, the SFU or TURN.
type Rooms interface {
	// ServeWS serves a room's WebSocket for user, signed in with session.
	ServeWS(w http.ResponseWriter, r *http.Request, appt *coaching.Appointment, user *coaching.User, session int64, originPatterns []string)
	// ServeTunnel serves the WebSocket media tunnel of user in a room.
	ServeTunnel(w http.ResponseWriter, r *http.Request, appt *coaching.Appointment, user *coaching.User, originPatterns []string) error
	// OpenPoll, PollSend, Poll and ClosePoll serve the long-polling
	// transport.
	OpenPoll(w http.ResponseWriter, r *http.Request, appt *coaching.Appointment, user *coaching.User, session int64)
	PollSend(w http.ResponseWriter, r *http.Request, user *coaching.User) error
	Poll(w http.ResponseWriter, r *http.Request, user *coaching.User) error
	ClosePoll(w http.ResponseWriter, r *http.Request, user *coaching.User) error
	// CloseSession closes every connection of a signed-out session, with
	// reason, and says how many.
	CloseSession(sessionID int64, reason string) int
	// Live reports whether an appointment's room has a call going.
	Live(appointmentID int64) bool
	// ServeLoadMedia and ServeLoadTunnel take a load generator's peers
	// (serve --loadtest only).
	ServeLoadMedia(w http.ResponseWriter, r *http.Request, room string, peer int64, originPatterns []string)
	ServeLoadTunnel(w http.ResponseWriter, r *http.Request, roomID string, peer int64, originPatterns []string) error
}
