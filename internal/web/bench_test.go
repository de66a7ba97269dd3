package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"rapport/internal/app"
	"rapport/internal/auth"
	"rapport/internal/store/storetest"
)

// BenchmarkSessionCheck is the path every signed-in request takes: look
// the session token's hash up with its user, and check both.
func BenchmarkSessionCheck(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(d, func(b *testing.B) {
			e := newBenchEnv(b, d)
			u, err := e.svc.DevSignIn(b.Context(), "bench@example.com", "B", app.RoleCoach)
			if err != nil {
				b.Fatal(err)
			}
			tok, _, err := e.svc.StartSession(b.Context(), u, "bench", "")
			if err != nil {
				b.Fatal(err)
			}
			req := httptest.NewRequest("GET", "/api/v1/me", nil)
			req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: tok})
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := e.svc.Authenticate(req.Context(), e.sess.Token(req), ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMeRequest is a whole signed-in API request through every
// middleware (logging, metrics, headers, cross-origin check, session).
func BenchmarkMeRequest(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(d, func(b *testing.B) {
			e := newBenchEnv(b, d)
			u, _ := e.svc.DevSignIn(b.Context(), "bench@example.com", "B", app.RoleCoach)
			tok, _, err := e.svc.StartSession(b.Context(), u, "bench", "")
			if err != nil {
				b.Fatal(err)
			}
			h := e.handler
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("GET", "/api/v1/me", nil)
				req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: tok})
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
