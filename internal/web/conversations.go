package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
)

// uploadTimeout is how long a message with a file may take to arrive: a
// 10 MB file over a slow uplink needs more than a form's 30 seconds.
const uploadTimeout = 3 * time.Minute

// maxUpload bounds a message's request body: the file, its text and the
// multipart framing.
const maxUpload = conversation.MaxFileSize + 64<<10

// conversationRoutes are the messages between a coach and a client: the
// pages, the API and the file downloads.
func (s *Server) conversationRoutes() {
	if s.conversations == nil {
		return
	}
	m := s.mux
	m.HandleFunc("GET /api/v1/conversations", s.signedIn(s.apiConversations))
	m.HandleFunc("POST /api/v1/conversations", s.signedIn(s.apiOpenConversation))
	m.HandleFunc("GET /api/v1/conversations/{id}/messages", s.signedIn(s.apiConversationMessages))
	m.HandleFunc("POST /api/v1/conversations/{id}/messages", s.signedIn(s.apiSendMessage))
	m.HandleFunc("POST /api/v1/conversations/{id}/read", s.signedIn(s.apiMarkRead))
	m.HandleFunc("GET /api/v1/files/{id}", s.signedIn(s.downloadFile))
	m.HandleFunc("GET /messages", s.signedIn(s.messagesPage))
	m.HandleFunc("GET /messages/with/{user}", s.signedIn(s.conversationWith))
	m.HandleFunc("GET /messages/{id}", s.signedIn(s.conversationPage))
	m.HandleFunc("POST /messages/{id}", s.signedIn(s.sendMessageForm))
	m.HandleFunc("GET /files/{id}", s.signedIn(s.downloadFile))
}

// apiConversations lists the caller's conversations, most recent first.
func (s *Server) apiConversations(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	list, err := s.conversations.List(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]conversationJSON, 0, len(list))
	for _, c := range list {
		out = append(out, toConversationJSON(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// apiOpenConversation returns the caller's conversation with {"with": ID},
// made the first time.
func (s *Server) apiOpenConversation(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	var in struct {
		With int64 `json:"with"`
	}
	err := decodeJSON(w, r, &in)
	var c *conversation.Conversation
	if err == nil {
		c, err = s.conversations.With(r.Context(), in.With)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// apiConversationMessages pages a conversation: ?after=SEQ gives what came
// after, oldest first (what a page that reconnects missed); otherwise the
// newest, or those ?before=SEQ, newest last. ?limit=N (at most 200).
func (s *Server) apiConversationMessages(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var p conversation.Page
	if err == nil {
		p, err = messagePage(r)
	}
	var list []*conversation.Message
	if err == nil {
		list, err = s.conversations.Messages(r.Context(), id, p)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if list == nil {
		list = []*conversation.Message{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

// messagePage reads ?after, ?before and ?limit.
func messagePage(r *http.Request) (conversation.Page, error) {
	var p conversation.Page
	var err error
	q := r.URL.Query()
	if q.Has("after") {
		p.Forward = true
		p.After, err = queryInt64(r, "after")
	}
	if err == nil && q.Has("before") {
		p.Before, err = queryInt64(r, "before")
	}
	if err == nil {
		p.Limit, err = queryInt(r, "limit", 50)
	}
	return p, err
}

func queryInt64(r *http.Request, name string) (int64, error) {
	n, err := queryInt(r, name, 0)
	return int64(n), err
}

// apiSendMessage stores a message: JSON {"client_id", "body"}, or a
// multipart form with client_id, body and a file (at most 10 MB). 201
// with the message; 200 with the stored one when client_id was sent
// already.
func (s *Server) apiSendMessage(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		_, err = s.conversations.Get(r.Context(), id) // who may not write hears that first
	}
	var in messageInput
	if err == nil {
		in, err = readMessage(w, r)
	}
	var m *conversation.Message
	if err == nil {
		m, err = s.conversations.Send(r.Context(), id, in.ClientID, in.Body, in.Upload)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, m)
}

// messageInput is a message as a request carries it.
type messageInput struct {
	ClientID string               `json:"client_id"`
	Body     string               `json:"body"`
	Upload   *conversation.Upload `json:"-"` // a file comes in a multipart form only
}

// readMessage reads a message from JSON or from a multipart form; a file
// over the limit is refused as it arrives, before anything is stored.
func readMessage(w http.ResponseWriter, r *http.Request) (messageInput, error) {
	var in messageInput
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return in, decodeJSON(w, r, &in)
	}
	// A file takes longer than a form; a writer without deadlines keeps
	// the server's.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadTimeout))
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return in, app.Errorf(app.EINVALID, "the form could not be read")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return in, nil
		}
		if err != nil {
			return in, uploadError(err)
		}
		if err := readPart(part, &in); err != nil {
			return in, err
		}
	}
}

// readPart reads one field of a message's form into in.
func readPart(part interface {
	io.Reader
	FormName() string
	FileName() string
}, in *messageInput) error {
	switch part.FormName() {
	case "client_id", "body":
		b, err := io.ReadAll(io.LimitReader(part, 64<<10))
		if err != nil {
			return uploadError(err)
		}
		if part.FormName() == "body" {
			in.Body = strings.ReplaceAll(string(b), "\r\n", "\n")
		} else {
			in.ClientID = string(b)
		}
	case "file":
		if part.FileName() == "" {
			return nil // the form's file field, left empty
		}
		b, err := io.ReadAll(io.LimitReader(part, conversation.MaxFileSize+1))
		if err != nil {
			return uploadError(err)
		}
		if len(b) > conversation.MaxFileSize {
			return app.Invalid(map[string]string{"file": "is over 10 MB; a file may be at most 10 MB"})
		}
		in.Upload = &conversation.Upload{Name: part.FileName(), Data: b}
	}
	return nil
}

// uploadError explains a form that could not be read.
func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return app.Invalid(map[string]string{"file": "is over 10 MB; a file may be at most 10 MB"})
	}
	return app.Errorf(app.EINVALID, "the form could not be read: it was cut short")
}

// apiMarkRead records {"seq": N} as read.
func (s *Server) apiMarkRead(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var in struct {
		Seq int64 `json:"seq"`
	}
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	if err == nil {
		err = s.conversations.MarkRead(r.Context(), id, in.Seq)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// downloadFile sends a file to one of its conversation's two people,
// always as a download: never shown inline, its type never sniffed, and
// sandboxed should a browser render it all the same.
func (s *Server) downloadFile(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var f *conversation.File
	var data []byte
	if err == nil {
		f, data, err = s.conversations.FileOf(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.Type)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	w.Write(data)
}

// conversationJSON is a conversation in a list.
type conversationJSON struct {
	*conversation.Conversation
	Other  *userJSON             `json:"other"`
	Last   *conversation.Message `json:"last,omitempty"`
	Unread int                   `json:"unread"`
}

func toConversationJSON(c *conversation.Summary) conversationJSON {
	return conversationJSON{Conversation: &c.Conversation, Other: toUserJSON(c.Other), Last: c.Last, Unread: c.Unread}
}
