package web

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"rapport/internal/coaching"
)

// exportRoutes are a client's download of everything held about them, and
// an admin's download of it for them.
func (s *Server) exportRoutes() {
	if s.privacy == nil {
		return
	}
	m := s.mux
	m.HandleFunc("GET /api/v1/export", s.signedIn(s.exportSelf))
	m.HandleFunc("GET /api/v1/users/{id}/export", s.signedIn(s.exportUser))
	m.HandleFunc("GET /account/export", s.signedIn(s.exportSelf))
	m.HandleFunc("GET /users/{id}/export", s.signedIn(s.exportUser))
}

func (s *Server) exportSelf(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	s.sendExport(w, r, u.ID)
}

func (s *Server) exportUser(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.sendExport(w, r, id)
}

// sendExport makes the export into a temporary file first, so that a
// failure is a clean error rather than half a ZIP, then sends it.
func (s *Server) sendExport(w http.ResponseWriter, r *http.Request, clientID int64) {
	tmp, err := os.CreateTemp("", "rapport-export-*.zip")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := s.privacy.ExportTo(r.Context(), clientID, tmp); err != nil {
		s.Error(w, r, err)
		return
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	name := fmt.Sprintf("rapport-export-%d-%s.zip", clientID, time.Now().UTC().Format("2006-01-02"))
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	io.Copy(w, tmp)
}
