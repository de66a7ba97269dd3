package conversation

import (
	"context"

	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
)

// With returns the caller's conversation with other: a coach's with one of
// their clients, a client's with their coach, made the first time. Anyone
// else is told there is none.
func (s *Service) With(ctx context.Context, otherID int64) (*Conversation, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	coachID, clientID := a.UserID, otherID
	if a.Role == app.RoleClient {
		coachID, clientID = otherID, a.UserID
	}
	if a.Role != app.RoleCoach && a.Role != app.RoleClient {
		return nil, notFound("conversation")
	}
	if ok, err := s.Store.IsCoachOf(ctx, coachID, clientID); err != nil || !ok {
		return nil, orNotFound(err, "conversation")
	}
	return s.Store.ConversationOf(ctx, coachID, clientID, s.Clock.Now())
}

// Get returns a conversation to one of its two people; anyone else, admins
// too, is told there is none.
func (s *Service) Get(ctx context.Context, id int64) (*Conversation, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.Store.ConversationByID(ctx, id)
	if err != nil {
		return nil, orNotFound(err, "conversation")
	}
	if !c.Has(a.UserID) {
		return nil, notFound("conversation")
	}
	return c, nil
}

// Peer is the other person of a conversation, for one of its two people.
func (s *Service) Peer(ctx context.Context, c *Conversation) (*coaching.User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !c.Has(a.UserID) {
		return nil, notFound("conversation")
	}
	return s.Store.UserByID(ctx, c.Other(a.UserID))
}

// List is the caller's conversations, the most recent first, each with the
// other person, its last message and how many the caller has not read.
func (s *Service) List(ctx context.Context) ([]*Summary, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.Store.Conversations(ctx, a.UserID)
}

// Messages pages a conversation for one of its people: after a sequence
// number (what a page that reconnects missed), or before one, newest last.
func (s *Service) Messages(ctx context.Context, id int64, p Page) ([]*Message, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	if p.Limit <= 0 || p.Limit > MaxPage {
		p.Limit = MaxPage
	}
	if p.After < 0 || p.Before < 0 {
		return nil, app.Invalid(map[string]string{"after": "must not be negative"})
	}
	return s.Store.Messages(ctx, id, p)
}

// MarkRead records that the caller has read the conversation up to seq.
func (s *Service) MarkRead(ctx context.Context, id, seq int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	c, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	if seq < 0 {
		return app.Invalid(map[string]string{"seq": "must not be negative"})
	}
	return s.Store.MarkRead(ctx, c.ID, a.UserID, min(seq, c.LastSeq))
}

// Unread is how many messages the caller has not read, in all their
// conversations.
func (s *Service) Unread(ctx context.Context) (int, error) {
	a, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	return s.Store.UnreadCount(ctx, a.UserID)
}

// Send stores a message from the caller: text, a file, or both. clientID
// is the sender's own ID for it: sent again, it is stored once, and the
// stored message comes back. The two people's pages are told once it is
// stored. A conversation whose coaching has ended is read-only.
func (s *Service) Send(ctx context.Context, id int64, clientID, body string, up *Upload) (*Message, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	m, data, err := s.newMessage(a.UserID, c, clientID, body, up)
	if err != nil {
		return nil, err
	}
	if ok, err := s.Store.IsCoachOf(ctx, c.CoachID, c.ClientID); err != nil {
		return nil, err
	} else if !ok {
		return nil, app.Errorf(app.EFORBIDDEN, "your coaching together has ended: this conversation can be read, not added to")
	}
	stored, err := s.Store.AddMessage(ctx, m, data)
	if err != nil {
		return nil, err
	}
	if stored && s.Notify != nil {
		c.LastSeq = m.Seq
		s.Notify.MessageAdded(c, m)
	}
	return m, nil
}

// newMessage checks a message and its file and makes it, with the file's
// bytes.
func (s *Service) newMessage(senderID int64, c *Conversation, clientID, body string, up *Upload) (*Message, []byte, error) {
	bad := map[string]string{}
	if err := chat.CheckClientID(clientID); err != nil {
		mergeFields(bad, err, "client_id")
	}
	if up == nil || body != "" {
		if err := chat.CheckBody(body); err != nil {
			mergeFields(bad, err, "body")
		}
	}
	var f *File
	if up != nil {
		var why string
		if f, why = up.check(); why != "" {
			bad["file"] = why
		}
	}
	if len(bad) > 0 {
		return nil, nil, app.Invalid(bad)
	}
	m := &Message{ConversationID: c.ID, SenderID: senderID, ClientID: clientID, Body: body, File: f, CreatedAt: s.Clock.Now().UTC()}
	if up == nil {
		return m, nil, nil
	}
	return m, up.Data, nil
}

// mergeFields copies an app error's per-field reasons into bad, or its
// message under field.
func mergeFields(bad map[string]string, err error, field string) {
	if fields := app.ErrorFields(err); len(fields) > 0 {
		for k, v := range fields {
			bad[k] = v
		}
		return
	}
	bad[field] = app.ErrorMessage(err)
}

// orNotFound turns a missing row into "not found" of what, and passes
// other errors on; nil stays "not found" (a check that said no).
func orNotFound(err error, what string) error {
	if err == nil || app.ErrorCode(err) == app.ENOTFOUND {
		return notFound(what)
	}
	return err
}
