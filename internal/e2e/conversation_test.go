package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rapport/internal/membership/skool/skooltest"
)

// TestE2EConversation is a conversation between sessions in two browsers:
// the client writes first from the list of people, the coach answers with
// a PDF attached, which reaches the client's open page at once and
// downloads as an attachment; the client's answer sent with Enter reaches
// the coach's; a message while the coach is on another page counts in
// their navigation's badge, and the conversation page reads it.
func TestE2EConversation(t *testing.T) {
	t.Parallel()
	chromium := skooltest.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLimit)
	defer cancel()
	base := startServer(t, "sqlite")
	shots := newShooter(t, "conversation")
	browser := startBrowser(t, ctx, chromium)
	client := newPerson(t, browser, base, "client", "America/New_York", shots)
	coach := newPerson(t, browser, base, "coach", "Europe/Berlin", shots)
	_, clientID := linked(t, coach, client)

	client.open("/messages", 200)
	client.click(".col-side a[href^='/messages/with/']", 200)
	client.waitFor(`document.querySelector("#conversation")?.dataset.live === "true"`)
	page := client.path()
	client.do(chromedp.SendKeys(chromedp.ID("body"), "Hi Carla, can you send the plan?"))
	client.do(chromedp.Click(chromedp.CSS("form.compose button[type=submit]")))
	client.waitFor(`[...document.querySelectorAll(".bubble.mine")].some(b => b.id && b.textContent.includes("send the plan"))`)

	coach.open("/messages/with/"+clientID, 200)
	coach.wantPath(page)
	coach.waitFor(`document.querySelector("#conversation")?.dataset.live === "true"`)
	coach.wantText(".bubbles", "send the plan")
	plan := filepath.Join(t.TempDir(), "plan.pdf")
	if err := os.WriteFile(plan, []byte("%PDF-1.7 the plan for spring"), 0o600); err != nil {
		t.Fatal(err)
	}
	coach.do(chromedp.SetUploadFiles(chromedp.CSS("form.compose input[type=file]"), []string{plan}),
		chromedp.SendKeys(chromedp.ID("body"), "Here it is: https://example.com/more"))
	coach.waitFor(`document.querySelector("[data-chosen]").textContent === "plan.pdf"`)
	coach.do(chromedp.Click(chromedp.CSS("form.compose button[type=submit]")))
	coach.waitFor(`[...document.querySelectorAll(".bubble.mine")].some(b => b.id && b.querySelector(".bubble-file"))`)

	// The client's page, open all along, shows it without a reload.
	client.waitFor(`[...document.querySelectorAll(".bubble:not(.mine) .bubble-file")].some(a => a.textContent.includes("plan.pdf"))`)
	client.waitFor(`document.querySelector(".bubble:not(.mine) .bubble-body a[href='https://example.com/more']") !== null`)
	download := eval[string](client, `(async () => {
		const href = [...document.querySelectorAll(".bubble-file")].at(-1).getAttribute("href");
		const r = await fetch(href);
		return r.headers.get("content-disposition") + "|" + r.headers.get("x-content-type-options") + "|" + await r.text();
	})()`, chromedp.EvalAwaitPromise)
	if want := "attachment; filename=plan.pdf|nosniff|%PDF-1.7 the plan for spring"; download != want {
		t.Fatalf("the download: %q, want %q", download, want)
	}
	client.shot("conversation-client")
	client.do(chromedp.SendKeys(chromedp.ID("body"), "Thank you!\r"))
	coach.waitFor(`[...document.querySelectorAll(".bubble:not(.mine)")].some(b => b.textContent.includes("Thank you!"))`)
	coach.shot("conversation-coach")
	client.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	client.shot("conversation-client-phone")
	client.desktop()

	// Elsewhere, the coach's badge counts what arrives; the conversation
	// reads it.
	coach.open("/dashboard", 200)
	coach.waitFor(`document.body.dataset.events === "open"`)
	convID := eval[string](client, `document.querySelector("#conversation").dataset.conversation`)
	status := eval[int](client, `fetch("/api/v1/conversations/`+convID+`/messages", {method: "POST", headers: {"Content-Type": "application/json"},
		body: JSON.stringify({client_id: "late-1", body: "One more thing"})}).then(r => r.status)`, chromedp.EvalAwaitPromise)
	if status != 201 {
		t.Fatalf("a message through the API: HTTP %d", status)
	}
	coach.waitUpTo(10*time.Second, `!document.querySelector("[data-nav-unread]").hidden && document.querySelector("[data-nav-unread]").textContent.startsWith("1")`)
	coach.open(page, 200)
	coach.wantText(".bubbles", "One more thing")
	coach.open("/dashboard", 200)
	coach.waitFor(`document.querySelector("[data-nav-unread]").hidden`)
}
