package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/membership/skool/skooltest"
	"rapport/internal/practicetest"
)

// TestSyncNowFromTheAdminPage: on a server set up for Skool (the stand-in),
// an admin presses "Sync now"; the run appears on the page, ok, and the
// members have their roles.
func TestSyncNowFromTheAdminPage(t *testing.T) {
	t.Parallel()
	site := skooltest.Start(t, skooltest.Options{})
	env := skoolEnv(t, site.URL)
	base := startWith(t, env, nil).URL()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	post := func(path string, form url.Values) *http.Response {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := post("/auth/dev", url.Values{"email": {"boss@example.com"}, "name": {"Boss"}, "role": {"admin"}, "token": {practicetest.DevToken}}); res.StatusCode != http.StatusOK {
		t.Fatalf("dev sign-in: %d", res.StatusCode)
	}
	if res := post("/admin/skool/sync", nil); res.StatusCode != http.StatusOK {
		t.Fatalf("sync now: %d", res.StatusCode)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := hc.Get(base + "/admin/skool")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if strings.Contains(string(body), `data-outcome="ok"`) {
			break
		}
		if strings.Contains(string(body), `data-outcome="failed"`) || time.Now().After(deadline) {
			t.Fatalf("no good run on the page:\n%s", body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	res, _ := hc.Get(base + "/users?role=coach")
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Count(string(body), "ultra-") < 5 && strings.Count(string(body), "@") < 10 {
		t.Fatalf("the coaches after the sync:\n%s", body)
	}
}
