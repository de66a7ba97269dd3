package alert_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"rapport/internal/alert"
	"rapport/internal/alert/alerttest"
)

func TestAnAlertGoesByEmailAndWebhook(t *testing.T) {
	mail := alerttest.NewSMTP(t)
	var got map[string]string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewDecoder(r.Body).Decode(&got)
	}))
	defer hook.Close()
	n := alert.All{
		alert.Email{Addr: mail.Addr, User: "ops", Password: "pw", From: "rapport@example.com", To: []string{"boss@example.com"}},
		alert.Webhook{URL: hook.URL},
	}
	if err := n.Notify(context.Background(), "Skool sync stopped", "read 3 of 100 coaches\nnothing changed"); err != nil {
		t.Fatal(err)
	}
	m := mail.Mail()
	if len(m) != 1 || m[0].From != "rapport@example.com" || m[0].To[0] != "boss@example.com" ||
		!strings.Contains(m[0].Data, "Subject: Skool sync stopped") || !strings.Contains(m[0].Data, "nothing changed") || m[0].Auth == "" {
		t.Fatalf("mail %+v", m)
	}
	if !strings.Contains(got["text"], "*Skool sync stopped*") || !strings.Contains(got["text"], "read 3 of 100") {
		t.Fatalf("webhook %v", got)
	}
}

func TestAFailingWebhookSaysSoUnlessAnotherWayWorked(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) }))
	defer hook.Close()
	err := alert.Webhook{URL: hook.URL}.Notify(context.Background(), "s", "b")
	if err == nil || !strings.Contains(err.Error(), "410") {
		t.Fatalf("error %v", err)
	}
	mail := alerttest.NewSMTP(t)
	if err := (alert.All{alert.Webhook{URL: hook.URL}, alert.Email{Addr: mail.Addr, From: "a@example.com", To: []string{"b@example.com"}}}).Notify(context.Background(), "s", "b"); err != nil {
		t.Fatalf("one way worked: %v", err)
	}
}
