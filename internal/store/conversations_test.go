package store_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
	"rapport/internal/mail"
	"rapport/internal/store"
)

// TestConversations: one conversation a pair; messages numbered in order,
// one sent twice stored once; a file and its bytes; paging both ways; the
// read mark never goes back; unread counts per person.
func TestConversations(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		c, err := db.ConversationOf(ctx, coach.ID, client.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := db.ConversationOf(ctx, coach.ID, client.ID, t0.Add(time.Hour)); err != nil || again.ID != c.ID {
			t.Fatalf("a second ConversationOf: %+v %v, want the same conversation", again, err)
		}
		send := func(from int64, clientID, body string, f *conversation.File, data []byte) (*conversation.Message, bool) {
			t.Helper()
			m := &conversation.Message{ConversationID: c.ID, SenderID: from, ClientID: clientID, Body: body, File: f, CreatedAt: t0}
			stored, err := db.AddMessage(ctx, m, data)
			if err != nil {
				t.Fatal(err)
			}
			return m, stored
		}
		m1, _ := send(client.ID, "a", "hello", nil, nil)
		pdf := []byte("%PDF-1.7 the plan")
		m2, _ := send(coach.ID, "b", "", &conversation.File{Name: "plan.pdf", Type: "application/pdf", Size: int64(len(pdf)), SHA256: "x"}, pdf)
		m3, stored := send(client.ID, "c", "thanks", nil, nil)
		if m1.Seq != 1 || m2.Seq != 2 || m3.Seq != 3 || !stored {
			t.Fatalf("seqs %d %d %d stored %v", m1.Seq, m2.Seq, m3.Seq, stored)
		}
		if dup, stored := send(client.ID, "a", "hello again", nil, nil); stored || dup.ID != m1.ID || dup.Body != "hello" {
			t.Fatalf("a resent message: %+v stored %v, want the first back", dup, stored)
		}
		f, convID, err := db.FileByID(ctx, m2.File.ID)
		if err != nil || convID != c.ID || f.Name != "plan.pdf" {
			t.Fatalf("file %+v %d %v", f, convID, err)
		}
		if data, err := db.FileData(ctx, f.ID); err != nil || !bytes.Equal(data, pdf) {
			t.Fatalf("file data %q %v", data, err)
		}

		newest, _ := db.Messages(ctx, c.ID, conversation.Page{Limit: 2})
		if len(newest) != 2 || newest[0].Seq != 2 || newest[1].Seq != 3 || newest[0].File == nil || newest[0].File.ID != f.ID {
			t.Fatalf("the newest two: %+v", newest)
		}
		if older, _ := db.Messages(ctx, c.ID, conversation.Page{Before: 2, Limit: 10}); len(older) != 1 || older[0].Seq != 1 {
			t.Fatalf("before 2: %+v", older)
		}
		if missed, _ := db.Messages(ctx, c.ID, conversation.Page{Forward: true, After: 1, Limit: 10}); len(missed) != 2 || missed[0].Seq != 2 {
			t.Fatalf("after 1: %+v", missed)
		}

		// The client sent 1 and 3, the coach 2: sending marks what came
		// before as read, so the coach has 3 to read and the client none.
		unread := func(u int64) int {
			n, err := db.UnreadCount(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if unread(coach.ID) != 1 || unread(client.ID) != 0 {
			t.Fatalf("unread: coach %d client %d, want 1 and 0", unread(coach.ID), unread(client.ID))
		}
		if err := db.MarkRead(ctx, c.ID, coach.ID, 3); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkRead(ctx, c.ID, coach.ID, 1); err != nil {
			t.Fatal(err)
		}
		if unread(coach.ID) != 0 {
			t.Fatalf("the read mark went back: %d unread", unread(coach.ID))
		}
		list, err := db.Conversations(ctx, client.ID)
		if err != nil || len(list) != 1 || list[0].Other.ID != coach.ID || list[0].Unread != 0 || list[0].Last == nil || list[0].Last.Seq != 3 {
			t.Fatalf("the client's list: %+v %v", list, err)
		}
	})
}

// TestConversationSendersRaceForSeq: many messages at once get distinct,
// gapless numbers.
func TestConversationSendersRaceForSeq(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		c, _ := db.ConversationOf(ctx, coach.ID, client.ID, t0)
		const n = 40
		var wg sync.WaitGroup
		seqs := make(chan int64, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				from := []int64{coach.ID, client.ID}[i%2]
				m := &conversation.Message{ConversationID: c.ID, SenderID: from, ClientID: fmt.Sprint("m", i), Body: "x", CreatedAt: t0}
				if _, err := db.AddMessage(ctx, m, nil); err != nil {
					t.Error(err)
				}
				seqs <- m.Seq
			}()
		}
		wg.Wait()
		close(seqs)
		seen := map[int64]bool{}
		for s := range seqs {
			if seen[s] || s < 1 || s > n {
				t.Fatalf("seq %d twice or out of 1..%d", s, n)
			}
			seen[s] = true
		}
	})
}

// TestUnreadNotices: a message unread for the wait is due once; the next
// is not due within the hour, nor before its own wait; a read message is
// never due.
func TestUnreadNotices(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		c, _ := db.ConversationOf(ctx, coach.ID, client.ID, t0)
		add := func(at time.Time, id string) {
			t.Helper()
			if _, err := db.AddMessage(ctx, &conversation.Message{ConversationID: c.ID, SenderID: client.ID, ClientID: id, Body: "hi", CreatedAt: at}, nil); err != nil {
				t.Fatal(err)
			}
		}
		due := func(now time.Time) []*conversation.UnreadNotice {
			t.Helper()
			list, err := db.UnreadNotices(ctx, now, 15*time.Minute, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return list
		}
		add(t0, "1")
		if got := due(t0.Add(14 * time.Minute)); len(got) != 0 {
			t.Fatalf("due before the wait: %+v", got)
		}
		got := due(t0.Add(15 * time.Minute))
		if len(got) != 1 || got[0].To.ID != coach.ID || got[0].From.ID != client.ID || got[0].Seq != 1 || got[0].Unread != 1 {
			t.Fatalf("due after the wait: %+v", got)
		}
		sentAt := t0.Add(15 * time.Minute)
		email := &mail.Message{Key: mail.Key("conversation-unread", "t", 1), To: coach.Email, Subject: "s", Text: "t", CreatedAt: sentAt}
		if err := db.NoticeSent(ctx, got[0], sentAt, email); err != nil {
			t.Fatal(err)
		}
		if got := due(t0.Add(20 * time.Minute)); len(got) != 0 {
			t.Fatalf("due again with nothing new: %+v", got)
		}
		add(t0.Add(30*time.Minute), "2")
		if got := due(t0.Add(60 * time.Minute)); len(got) != 0 {
			t.Fatalf("a second notice within the hour: %+v", got)
		}
		if got := due(t0.Add(75 * time.Minute)); len(got) != 1 || got[0].Seq != 2 || got[0].Unread != 1 {
			t.Fatalf("after the hour: %+v", got)
		}
		add(t0.Add(2*time.Hour), "3")
		if err := db.PutEmailPreferences(ctx, &coaching.EmailPreferences{UserID: coach.ID, Choices: coaching.EmailChoices{Bookings: true},
			Seed: "s", TokenHash: "h", UpdatedAt: t0}, true); err != nil {
			t.Fatal(err)
		}
		if got := due(t0.Add(3 * time.Hour)); len(got) != 0 {
			t.Fatalf("due to someone who turned these emails off: %+v", got)
		}
		if err := db.PutEmailPreferences(ctx, &coaching.EmailPreferences{UserID: coach.ID, Choices: coaching.DefaultEmailChoices(),
			Seed: "s", TokenHash: "h", UpdatedAt: t0}, true); err != nil {
			t.Fatal(err)
		}
		if got := due(t0.Add(3 * time.Hour)); len(got) != 1 {
			t.Fatalf("not due once turned back on: %+v", got)
		}
		if err := db.MarkRead(ctx, c.ID, coach.ID, 3); err != nil {
			t.Fatal(err)
		}
		if got := due(t0.Add(4 * time.Hour)); len(got) != 0 {
			t.Fatalf("due once read: %+v", got)
		}
	})
}
