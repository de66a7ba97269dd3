package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// TestSQLiteKeepsItsStatementsPrepared: a query is prepared the first time
// it runs and reused after; one first run in a transaction runs as plain
// SQL and is kept once the transaction ends; a statement SQLite refuses is
// not kept and says why; past the bound, statements run unprepared.
func TestSQLiteKeepsItsStatementsPrepared(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	ctx := context.Background()
	u := storetest.MustUser(t, db, "kept@example.com", app.RoleCoach, time.Now())
	_, r0 := db.KeptStatements()
	for range 3 {
		if got, err := db.UserByID(ctx, u.ID); err != nil || got.Email != u.Email {
			t.Fatalf("user %d: %+v, %v", u.ID, got, err)
		}
	}
	if _, r := db.KeptStatements(); r != r0+1 {
		t.Fatalf("readers keep %d statements after one query three times, want %d", r, r0+1)
	}

	w0, _ := db.KeptStatements()
	update := `UPDATE users SET name = ? WHERE id = ?`
	if err := db.ExecInTx(ctx, update, "First", u.ID); err != nil {
		t.Fatal(err)
	}
	if w, _ := db.KeptStatements(); w != w0+1 {
		t.Fatalf("the writer keeps %d statements after a transaction's first, want %d", w, w0+1)
	}
	if err := db.ExecInTx(ctx, update, "Second", u.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.UserByID(ctx, u.ID); got.Name != "Second" {
		t.Fatalf("name %q after the kept statement ran in a transaction, want Second", got.Name)
	}
	if w, _ := db.KeptStatements(); w != w0+1 {
		t.Fatalf("the writer keeps %d statements after the same again, want %d", w, w0+1)
	}

	if _, err := db.Exec(ctx, `UPDATE nowhere SET x = 1`); err == nil {
		t.Fatal("an UPDATE of a missing table worked")
	}
	if w, _ := db.KeptStatements(); w != w0+1 {
		t.Fatalf("the writer kept a statement SQLite refused (%d, want %d)", w, w0+1)
	}

	for i := 0; ; i++ {
		w, _ := db.KeptStatements()
		if w == store.MaxKeptStatements {
			break
		}
		if i > store.MaxKeptStatements {
			t.Fatalf("kept %d statements after %d distinct ones", w, i)
		}
		if _, err := db.Exec(ctx, fmt.Sprintf(`UPDATE users SET name = name WHERE id = ? + %d`, i), 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(ctx, `UPDATE users SET name = ? WHERE id = ?`+" -- past the bound", "Third", u.ID); err != nil {
		t.Fatalf("a statement past the bound: %v", err)
	}
	if got, _ := db.UserByID(ctx, u.ID); got.Name != "Third" {
		t.Fatalf("name %q after a statement past the bound, want Third", got.Name)
	}
	if w, _ := db.KeptStatements(); w != store.MaxKeptStatements {
		t.Fatalf("kept %d statements, bound %d", w, store.MaxKeptStatements)
	}
}

// TestSQLiteWriterCachesLittle: the writer's page cache is 2 MiB (its
// commits walk it), the readers' 32 MiB.
func TestSQLiteWriterCachesLittle(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	w, r, err := db.CacheSizes(context.Background())
	if err != nil || w != -2000 || r != -32000 {
		t.Fatalf("cache_size: writer %d, reader %d, %v; want -2000 and -32000", w, r, err)
	}
}

// TestSQLiteKeptStatementsNestInATransaction: in a transaction, a query
// whose rows are open runs again (kept or not) without SQLite refusing it.
func TestSQLiteKeptStatementsNestInATransaction(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	ctx := context.Background()
	u := storetest.MustUser(t, db, "nest@example.com", app.RoleCoach, time.Now())
	query := `SELECT id FROM users WHERE id >= ?`
	for range 2 { // the first transaction keeps the statement, the second uses it
		first, second, err := db.QueryTwiceInTx(ctx, query, u.ID)
		if err != nil || first != u.ID || second != u.ID {
			t.Fatalf("nested query: %d, %d, %v; want %d twice", first, second, err, u.ID)
		}
	}
}

// TestSQLiteTransactionThatPanicsFreesTheWriter: a transaction whose
// function panics after a statement not kept yet gives the writing
// connection back: the next write does not wait.
func TestSQLiteTransactionThatPanicsFreesTheWriter(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the transaction did not panic")
			}
		}()
		db.InTx(ctx, func(q coaching.Records) error {
			u := &coaching.User{Email: "panic@example.com", Name: "P", Role: app.RoleClient, Status: coaching.StatusActive,
				CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := q.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			panic("boom")
		})
	}()
	if ctx.Err() != nil {
		t.Fatal("the panic waited for the context's end: the writing connection was held")
	}
	storetest.MustUser(t, db, "after@example.com", app.RoleCoach, time.Now())
	if _, err := db.UserByEmail(ctx, "panic@example.com"); err == nil {
		t.Fatal("the panicked transaction's user was stored")
	}
}

// TestSQLiteAppendsBigBatchesThroughKeptStatements: batches that run the
// same multi-row INSERT several times in a transaction store every message,
// the first time (plain SQL) and once the INSERTs are kept.
func TestSQLiteAppendsBigBatchesThroughKeptStatements(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	ctx := context.Background()
	coach, s := mustSession(t, db)
	seq := int64(0)
	for range 3 {
		var batch []*chat.Message
		for range 200 { // 64 + 64 + 64 + 8
			seq++
			batch = append(batch, msg(s, coach.ID, seq, fmt.Sprintf("k-%d", seq)))
		}
		if err := db.AppendMessages(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if batch[0].ID == 0 || batch[199].ID == 0 {
			t.Fatalf("ids not set: %+v %+v", batch[0], batch[199])
		}
	}
	if got, _ := db.MessagesAfter(ctx, s.ID, 0, 1000); len(got) != int(seq) {
		t.Fatalf("%d messages stored, want %d", len(got), seq)
	}
}
