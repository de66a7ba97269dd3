package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/mail"
	"rapport/internal/store"
)

func mustMail(key, to string) *mail.Message {
	return &mail.Message{Key: key, To: to, ToName: "Ann", Subject: "Hello", Text: "Hi Ann", HTML: "<p>Hi Ann</p>", CreatedAt: t0}
}

// TestOutboxEnqueueIsPartOfTheTransaction: an email queued in a transaction
// that rolls back is gone with the change; one that commits is due at once.
func TestOutboxEnqueueIsPartOfTheTransaction(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.InTx(ctx, func(q coaching.Records) error {
			mustUser(t, q, "ann@example.com", app.RoleClient)
			if err := q.EnqueueMail(ctx, mustMail("k:rolled-back:1", "ann@example.com")); err != nil {
				t.Fatal(err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx: %v", err)
		}
		if due, err := db.DueMail(ctx, t0.Add(time.Hour), 10); err != nil || len(due) != 0 {
			t.Fatalf("after a rollback the outbox holds %v (%v)", due, err)
		}
		m := mustMail("k:committed:1", "ann@example.com")
		if err := db.InTx(ctx, func(q coaching.Records) error { return q.EnqueueMail(ctx, m) }); err != nil {
			t.Fatal(err)
		}
		due, err := db.DueMail(ctx, t0, 10)
		if err != nil || len(due) != 1 {
			t.Fatalf("due: %v %v", due, err)
		}
		got := due[0]
		if got.ID != m.ID || m.ID == 0 || got.Key != m.Key || got.To != m.To || got.ToName != "Ann" || got.Subject != "Hello" ||
			got.Text != m.Text || got.HTML != m.HTML || !got.CreatedAt.Equal(t0) || !got.NextAttemptAt.Equal(t0) ||
			got.Attempts != 0 || got.SentAt != nil || got.GaveUpAt != nil || got.LastError != "" {
			t.Errorf("queued %+v, read back %+v", m, got)
		}
	})
}

// TestOutboxDedupeKey: a message whose key was queued already is left
// alone, in or out of a transaction, whatever it says.
func TestOutboxDedupeKey(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first := mustMail("invitation:1/ann@example.com:1", "ann@example.com")
		if err := db.EnqueueMail(ctx, first); err != nil || first.ID == 0 {
			t.Fatalf("first: %v, id %d", err, first.ID)
		}
		again := mustMail(first.Key, "other@example.com")
		again.Subject = "Another"
		if err := db.InTx(ctx, func(q coaching.Records) error { return q.EnqueueMail(ctx, again) }); err != nil {
			t.Fatalf("again: %v", err)
		}
		if again.ID != 0 {
			t.Errorf("a second message of the key got id %d", again.ID)
		}
		second := mustMail(mail.Key("invitation", "1/ann@example.com", 2), "ann@example.com")
		if err := db.EnqueueMail(ctx, second); err != nil || second.ID == 0 {
			t.Fatalf("the next sequence: %v", err)
		}
		list, err := db.RecentMail(ctx, 10)
		if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].Subject != "Hello" {
			t.Fatalf("recent: %+v %v", list, err)
		}
	})
}

// TestOutboxRefusesHeaderInjection: a line break in an address, name or
// subject is a field error when the message is queued, and nothing is.
func TestOutboxRefusesHeaderInjection(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for field, m := range map[string]*mail.Message{
			"to":      mustMail("a", "ann@example.com\r\nBcc: eve@example.com"),
			"to_name": {Key: "b", To: "ann@example.com", ToName: "Ann\nBcc: eve@example.com", Subject: "s", Text: "t"},
			"subject": {Key: "c", To: "ann@example.com", Subject: "Hi\r\nBcc: eve@example.com", Text: "t"},
		} {
			err := db.EnqueueMail(ctx, m)
			if app.ErrorCode(err) != app.EINVALID || app.ErrorFields(err)[field] == "" {
				t.Errorf("%s: %v, fields %v", field, err, app.ErrorFields(err))
			}
		}
		if list, _ := db.RecentMail(ctx, 10); len(list) != 0 {
			t.Errorf("queued %+v", list)
		}
	})
}

// TestOutboxAttempts: a failed attempt counts, keeps its error and moves
// the row out of the due list until its time; a given-up row and a sent
// one are never due again, and a sent row is not marked twice.
func TestOutboxAttempts(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := mustMail("a", "a@example.com"), mustMail("b", "b@example.com")
		for _, m := range []*mail.Message{a, b} {
			if err := db.EnqueueMail(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		next := t0.Add(30 * time.Second)
		if err := db.MarkMailFailed(ctx, mail.Attempt{ID: a.ID, At: t0, Err: "connection refused", Next: next}); err != nil {
			t.Fatal(err)
		}
		if due, _ := db.DueMail(ctx, t0, 10); len(due) != 1 || due[0].ID != b.ID {
			t.Fatalf("due after a failure: %+v", due)
		}
		due, _ := db.DueMail(ctx, next, 10)
		if len(due) != 2 || due[0].ID != b.ID || due[1].Attempts != 1 || due[1].LastError != "connection refused" {
			t.Fatalf("due at the retry: %+v", due)
		}
		if err := db.MarkMailSent(ctx, b.ID, next); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkMailSent(ctx, b.ID, next); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("marked sent twice: %v", err)
		}
		if err := db.MarkMailFailed(ctx, mail.Attempt{ID: a.ID, At: next, Err: "550 no such user", Next: next, GaveUp: true}); err != nil {
			t.Fatal(err)
		}
		if due, _ := db.DueMail(ctx, next.Add(time.Hour), 10); len(due) != 0 {
			t.Errorf("due after sent and given up: %+v", due)
		}
		got, err := db.MailByID(ctx, a.ID)
		if err != nil || got.GaveUpAt == nil || !got.GaveUpAt.Equal(next) || got.Attempts != 2 || got.SentAt != nil {
			t.Errorf("given up: %+v %v", got, err)
		}
		sent, _ := db.MailByID(ctx, b.ID)
		if sent.SentAt == nil || !sent.SentAt.Equal(next) || sent.Attempts != 1 {
			t.Errorf("sent: %+v", sent)
		}
		if _, err := db.MailByID(ctx, 999); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("missing: %v", err)
		}
	})
}
