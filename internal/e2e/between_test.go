package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rapport/internal/membership/skool/skooltest"
)

// TestE2EQuestionnaireAndExport is the client's side between sessions in
// a browser: a questionnaire from the coach waits on her dashboard; she
// answers part of it, saves, comes back to find her answers, finishes and
// submits; the coach reads the answers on her page. Then she downloads
// everything Rapport holds about her from her profile, and the export's
// page, opened in the browser, shows her answers and her messages.
func TestE2EQuestionnaireAndExport(t *testing.T) {
	t.Parallel()
	chromium := skooltest.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLimit)
	defer cancel()
	base := startServer(t, "sqlite")
	shots := newShooter(t, "between")
	browser := startBrowser(t, ctx, chromium)
	client := newPerson(t, browser, base, "client", "America/New_York", shots)
	coach := newPerson(t, browser, base, "coach", "Europe/Berlin", shots)
	_, clientID := linked(t, coach, client)

	// The coach writes a questionnaire and sends it (the builder's form is
	// the API's twin; the web tests cover it).
	sent := eval[string](coach, `(async () => {
		const post = (url, body) => fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)}).then(r => r.json());
		const q = await post("/api/v1/questionnaires", {title: "Getting started", questions: [
			{kind: "short_text", text: "What brings you here?", required: true},
			{kind: "scale", text: "How well do you sleep?", required: true},
			{kind: "one_choice", text: "Mornings or evenings?", options: ["Mornings", "Evenings"]}]});
		const r = await post("/api/v1/questionnaire-requests", {questionnaire_id: q.id, client_id: `+clientID+`});
		return String(r.id);
	})()`, chromedp.EvalAwaitPromise)
	if sent == "" || sent == "undefined" {
		t.Fatal("the coach could not send the questionnaire")
	}
	if status := eval[int](coach, `fetch("/api/v1/conversations", {method: "POST", headers: {"Content-Type": "application/json"},
		body: JSON.stringify({with: `+clientID+`})}).then(r => r.json()).then(c => fetch("/api/v1/conversations/" + c.id + "/messages",
		{method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({client_id: "hello-1", body: "Welcome aboard, Cleo"})}))
		.then(r => r.status)`, chromedp.EvalAwaitPromise); status != 201 {
		t.Fatalf("the coach's message: HTTP %d", status)
	}

	client.open("/dashboard", 200)
	client.click("[data-questionnaires] li[data-request-id='"+sent+"'] a", 200)
	client.do(chromedp.SendKeys(chromedp.CSS("fieldset.answer input[type=text], fieldset.answer input:not([type])"), "Sleep and focus"))
	client.click("button[value=save]", 200)
	client.open("/questionnaire-requests/"+sent, 200)
	if v := client.value("fieldset.answer input:not([type])"); v != "Sleep and focus" {
		t.Fatalf("the saved draft came back as %q", v)
	}
	// Submitting without the required scale says which question.
	client.click("button[value=submit]", 400)
	client.wantText("fieldset.answer[aria-invalid=true]", "How well do you sleep?")
	client.do(chromedp.Click(chromedp.CSS("fieldset.answer input[type=radio][value='7']")),
		chromedp.Click(chromedp.CSS("fieldset.answer input[type=radio][value='Evenings']")))
	client.shot("questionnaire-client")
	client.click("button[value=submit]", 200)
	client.wantText(".questionnaire-page", "answered")

	coach.open("/questionnaire-requests/"+sent, 200)
	coach.wantText(".answers", "Sleep and focus")
	coach.wantText(".answers", "7 of 10")
	coach.wantText(".answers", "Evenings")
	coach.shot("questionnaire-coach")

	// The export, as the profile's link downloads it.
	client.open("/profile", 200)
	client.wantText("#your-data", "Download your data")
	b64 := eval[string](client, `(async () => {
		const href = document.querySelector("#your-data a[download]").getAttribute("href");
		const bytes = new Uint8Array(await (await fetch(href)).arrayBuffer());
		let s = ""; for (const b of bytes) s += String.fromCharCode(b);
		return btoa(s);
	})()`, chromedp.EvalAwaitPromise)
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatalf("the export is not a ZIP: %v", err)
	}
	dir := t.TempDir()
	for _, f := range z.File {
		r, _ := f.Open()
		body, _ := io.ReadAll(r)
		r.Close()
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		os.MkdirAll(filepath.Dir(path), 0o700)
		if err := os.WriteFile(path, body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var data struct {
		Person         struct{ Email string }
		Questionnaires []struct {
			Title string
			Items []struct{ Answer []string }
		}
		Conversations []struct{ Messages []struct{ Body string } }
	}
	body, _ := os.ReadFile(filepath.Join(dir, "data.json"))
	if err := json.Unmarshal(body, &data); err != nil {
		t.Fatalf("data.json: %v", err)
	}
	if data.Person.Email != "cleo@example.com" || len(data.Questionnaires) != 1 || data.Questionnaires[0].Items[0].Answer[0] != "Sleep and focus" ||
		len(data.Conversations) != 1 || data.Conversations[0].Messages[0].Body != "Welcome aboard, Cleo" {
		t.Fatalf("data.json: %s", body)
	}
	// People read index.html: the browser opens it from the unpacked files.
	client.do(chromedp.Navigate("file://" + filepath.Join(dir, "index.html")))
	text := eval[string](client, `document.body.innerText`)
	for _, want := range []string{"Everything Rapport holds about Cleo Client", "Getting started", "Sleep and focus", "Welcome aboard, Cleo", "Evenings"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the export's page lacks %q:\n%s", want, text)
		}
	}
	client.shot("export-page")
}
