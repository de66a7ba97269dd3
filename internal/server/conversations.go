package server

import (
	"rapport/internal/app"
	"rapport/internal/conversation"
	"rapport/internal/notify"
)

// buildConversations builds the messages between coaches and clients: their
// notices go to the two people's open pages through the hub.
func (a *App) buildConversations() {
	a.Conversations = &conversation.Service{Store: a.DB, Clock: a.Service.Clock, Notify: hubNotifier{a.Hub},
		Practice: a.Service.Practice}
}

// unreadNotices is the loop that emails people about messages left
// unread, on one server at a time (the lease "conversation-notices").
func (a *App) unreadNotices() *app.LeasedLoop {
	return &app.LeasedLoop{Name: "conversation-notices", Lease: a.DB, Holder: leaseHolder("conversation-notices"),
		Clock: a.Service.Clock, Job: a.Conversations.SendUnreadNotices, Did: "emails", Log: a.log}
}

// hubNotifier tells both people of a conversation's new message, on every
// page they have open: the page then asks for what came after what it has.
type hubNotifier struct{ hub *notify.Hub }

func (h hubNotifier) MessageAdded(c *conversation.Conversation, m *conversation.Message) {
	ev := notify.Event{Type: "conversation.message", Data: map[string]int64{
		"conversation_id": c.ID, "seq": m.Seq, "sender_id": m.SenderID}}
	h.hub.Notify(c.CoachID, ev)
	h.hub.Notify(c.ClientID, ev)
}
