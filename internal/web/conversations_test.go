package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// conversation opens the world's coach-client conversation and puts a
// message with a file in it; it returns the conversation's and the file's
// IDs.
func (w *world) conversation(t *testing.T) (convID, fileID int64) {
	t.Helper()
	var c struct{ ID int64 }
	res := w.coach.api("POST", "/api/v1/conversations", map[string]any{"with": w.clientID})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("open the conversation: %d %s", res.StatusCode, res.body)
	}
	res.json(t, &c)
	var m struct {
		File struct{ ID int64 }
	}
	res = w.coach.upload(fmt.Sprintf("/api/v1/conversations/%d/messages", c.ID), "w-1", "the plan", "plan.pdf", []byte("%PDF-1.7 plan"))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("send a file: %d %s", res.StatusCode, res.body)
	}
	res.json(t, &m)
	return c.ID, m.File.ID
}

// upload posts a message as a multipart form, with a file when name is set.
func (c *client) upload(path, clientID, body, name string, data []byte) *response {
	c.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("client_id", clientID)
	mw.WriteField("body", body)
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
	}
	mw.Close()
	return c.raw("POST", path, mw.FormDataContentType(), &buf)
}

type messageJSON struct {
	ID, Seq, SenderID int64
	Body              string
	File              *struct {
		ID   int64
		Name string
		Type string
		Size int64
	}
}

// TestConversationAPI: a message is stored once however often it is sent,
// counted unread until read, paged after a sequence number; a file comes
// back as a download that no browser shows inline.
func TestConversationAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		convID, fileID := w.conversation(t)
		base := fmt.Sprintf("/api/v1/conversations/%d", convID)
		res := w.client.api("POST", base+"/messages", map[string]any{"client_id": "c-1", "body": "Got it, thanks!"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("send: %d %s", res.StatusCode, res.body)
		}
		var first, again messageJSON
		res.json(t, &first)
		w.client.api("POST", base+"/messages", map[string]any{"client_id": "c-1", "body": "Got it, thanks!"}).json(t, &again)
		if again.ID != first.ID || first.Seq != 2 {
			t.Fatalf("a resend stored another message: %+v then %+v", first, again)
		}

		var list struct {
			Items []struct {
				ID     int64
				Unread int
				Other  struct{ ID int64 }
			}
		}
		w.coach.get("/api/v1/conversations").json(t, &list)
		if len(list.Items) != 1 || list.Items[0].Unread != 1 || list.Items[0].Other.ID != w.clientID {
			t.Fatalf("the coach's conversations: %+v", list)
		}
		var page struct{ Items []messageJSON }
		w.coach.get(base+"/messages?after=1").json(t, &page)
		if len(page.Items) != 1 || page.Items[0].Body != "Got it, thanks!" {
			t.Fatalf("after 1: %+v", page)
		}
		if res := w.coach.api("POST", base+"/read", map[string]any{"seq": 2}); res.StatusCode != http.StatusNoContent {
			t.Fatalf("read: %d %s", res.StatusCode, res.body)
		}
		w.coach.get("/api/v1/conversations").json(t, &list)
		if list.Items[0].Unread != 0 {
			t.Fatalf("unread after reading: %+v", list)
		}

		dl := w.client.get(fmt.Sprintf("/api/v1/files/%d", fileID))
		if dl.StatusCode != http.StatusOK || string(dl.body) != "%PDF-1.7 plan" {
			t.Fatalf("download: %d %q", dl.StatusCode, dl.body)
		}
		for h, want := range map[string]string{"Content-Disposition": `attachment; filename=plan.pdf`, "X-Content-Type-Options": "nosniff",
			"Content-Type": "application/pdf", "Content-Security-Policy": "sandbox; default-src 'none'"} {
			if got := dl.Header.Get(h); got != want {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
	})
}

// TestConversationBadFiles: a file over 10 MB is refused before anything
// is stored; an HTML page named .pdf is kept but only ever downloaded; a
// program is refused by name.
func TestConversationBadFiles(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		convID, _ := w.conversation(t)
		path := fmt.Sprintf("/api/v1/conversations/%d/messages", convID)
		res := w.coach.upload(path, "big", "", "big.pdf", make([]byte, 10<<20+1))
		if code, fields := res.errorBody(t); res.StatusCode != http.StatusBadRequest || code != "invalid" || !strings.Contains(fields["file"], "10 MB") {
			t.Fatalf("an 11 MB file: %d %s", res.StatusCode, res.body)
		}
		res = w.coach.upload(path, "exe", "", "setup.exe", []byte("MZ"))
		if _, fields := res.errorBody(t); res.StatusCode != http.StatusBadRequest || !strings.Contains(fields["file"], ".exe") {
			t.Fatalf("a program: %d %s", res.StatusCode, res.body)
		}
		var page struct{ Items []messageJSON }
		w.coach.get(path).json(t, &page)
		if len(page.Items) != 1 {
			t.Fatalf("refused files left messages: %+v", page.Items)
		}

		html := []byte("<html><script>alert(document.cookie)</script></html>")
		var m messageJSON
		w.client.upload(path, "fake", "", "report.pdf", html).json(t, &m)
		dl := w.coach.get(fmt.Sprintf("/files/%d", m.File.ID))
		if dl.StatusCode != http.StatusOK || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") ||
			dl.Header.Get("Content-Type") != "application/pdf" || dl.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("HTML named .pdf is served as %d %v", dl.StatusCode, dl.Header)
		}
	})
}

// TestConversationPages: the list offers the client to write to, the
// conversation page shows the messages and counts unread ones in the
// navigation until read, and the form works without JavaScript, keeping
// a refused message's text.
func TestConversationPages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		if res := w.coach.get("/messages"); res.StatusCode != http.StatusOK || !strings.Contains(string(res.body), fmt.Sprintf(`href="/messages/with/%d"`, w.clientID)) {
			t.Fatalf("the coach's messages page: %d", res.StatusCode)
		}
		res := w.client.get(fmt.Sprintf("/messages/with/%d", w.coachID))
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/messages/") {
			t.Fatalf("open from the client's side: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		page := res.Header.Get("Location")
		if res := w.client.upload(page, "f-1", "Hello from the form", "", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the form: %d %s", res.StatusCode, res.body)
		}
		if res := w.coach.get("/dashboard"); !strings.Contains(string(res.body), `data-nav-unread>1<span class="sr"> unread`) {
			t.Fatalf("the coach's navigation does not count the unread message")
		}
		res = w.coach.get(page)
		if res.StatusCode != http.StatusOK || !strings.Contains(string(res.body), "Hello from the form") {
			t.Fatalf("the coach's conversation page: %d", res.StatusCode)
		}
		if res := w.coach.get("/dashboard"); !strings.Contains(string(res.body), `data-nav-unread hidden>0`) {
			t.Fatalf("the message is still counted unread once shown")
		}
		res = w.client.upload(page, "f-2", "   ", "", nil)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(res.body), "must not be empty") {
			t.Fatalf("a blank message: %d", res.StatusCode)
		}
		if res := w.otherCoach.get(page); res.StatusCode != http.StatusNotFound {
			t.Fatalf("another coach opens it: %d", res.StatusCode)
		}
	})
}
