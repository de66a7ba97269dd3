package signaling_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"rapport/internal/app"
	"rapport/internal/server"
	"rapport/internal/server/servertest"
)

// env is the whole application on a test server.
type env struct {
	t      *testing.T
	app    *server.App
	url    string // the test HTTP server's
	roomID string
	coach  *http.Client
	client *http.Client
}

func newEnv(t *testing.T, dialect string) *env {
	t.Helper()
	return newEnvWith(t, dialect, nil)
}

// newEnvWith starts the application with settings.
func newEnvWith(t *testing.T, dialect string, settings map[string]string) *env {
	t.Helper()
	return newEnvOf(t, servertest.Options{Dialect: dialect, Config: servertest.Config(t, settings)})
}

// newEnvAt starts the application on SQLite with its time, and its rooms'
// timers, kept by clock.
func newEnvAt(t *testing.T, clock *app.FixedClock) *env {
	t.Helper()
	return newEnvOf(t, servertest.Options{Clock: clock})
}

// newEnvOf starts the application as o says, with a coach, a client and
// an appointment of theirs that starts in ten minutes.
func newEnvOf(t *testing.T, o servertest.Options) *env {
	t.Helper()
	now := time.Now()
	if o.Clock != nil {
		now = o.Clock.Now()
	}
	a := servertest.Start(t, o)
	e := &env{t: t, app: a.App, url: a.URL}
	e.coach = e.signIn("coach@example.com", "coach")
	e.client = e.signIn("client@example.com", "client")
	clientID := e.inviteAndAccept(e.client, "client@example.com")
	var appt struct {
		RoomID string `json:"room_id"`
	}
	e.api(e.coach, "POST", "/api/v1/appointments", fmt.Sprintf(`{"client_id":%d,"starts_at":%q,"duration_minutes":60}`,
		clientID, now.Add(10*time.Minute).UTC().Format(time.RFC3339)), &appt)
	e.roomID = appt.RoomID
	return e
}

// devToken opens the developer sign-in of the tests' servers.
const devToken = servertest.DevToken

func (e *env) signIn(email, role string) *http.Client {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.PostForm(e.url+"/auth/dev", url.Values{"email": {email}, "role": {role}, "name": {strings.Split(email, "@")[0]}, "token": {devToken}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign in %s: %v %v", email, err, res)
	}
	res.Body.Close()
	return hc
}

// inviteAndAccept has the coach invite email and invitee, signed in with
// it, accept; it returns the invitee's ID.
func (e *env) inviteAndAccept(invitee *http.Client, email string) int64 {
	e.t.Helper()
	var coach, me struct{ ID int64 }
	e.api(e.coach, "GET", "/api/v1/me", "", &coach)
	if code := e.api(e.coach, "POST", "/api/v1/clients", fmt.Sprintf(`{"email":%q}`, email), nil); code != http.StatusAccepted {
		e.t.Fatalf("invite %s: %d", email, code)
	}
	if code := e.api(invitee, "POST", fmt.Sprintf("/api/v1/invitations/%d/accept", coach.ID), "", nil); code != http.StatusOK {
		e.t.Fatalf("accept as %s: %d", email, code)
	}
	e.api(invitee, "GET", "/api/v1/me", "", &me)
	return me.ID
}

func (e *env) api(hc *http.Client, method, path, body string, into any) int {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	if into != nil {
		json.NewDecoder(res.Body).Decode(into)
	}
	return res.StatusCode
}

// frame is a server frame as a test reads it.
type frame struct {
	V    int             `json:"v"`
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}

func (f frame) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(f.Data, v); err != nil {
		t.Fatalf("decode %s: %v", f.Data, err)
	}
}

// peer is a test client of either transport.
type peer interface {
	send(t *testing.T, typ, id string, data any)
	next(t *testing.T, within time.Duration) (frame, bool)
	close()
}

// wait returns the next frame of type typ, skipping others.
func wait(t *testing.T, p peer, typ string) frame {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		f, ok := p.next(t, time.Until(deadline))
		if !ok {
			break
		}
		if f.Type == typ {
			return f
		}
	}
	t.Fatalf("no %s frame within 3 s", typ)
	return frame{}
}

// wsPeer speaks the protocol over a real WebSocket.
type wsPeer struct {
	ws     *websocket.Conn
	frames chan frame
	closed chan websocket.StatusCode
	paused chan struct{} // closed: the peer stops reading its socket
	resume chan struct{}
}

// agentToken asks, as the coach, for the room's AI seat.
func (e *env) agentToken(t *testing.T) string {
	t.Helper()
	var list struct{ Items []struct{ ID int64 } }
	e.api(e.coach, "GET", "/api/v1/appointments", "", &list)
	var tok struct{ Token string }
	if code := e.api(e.coach, "POST", fmt.Sprintf("/api/v1/appointments/%d/agent-token", list.Items[0].ID), "", &tok); code != http.StatusCreated {
		t.Fatalf("agent token: %d", code)
	}
	return tok.Token
}

// dialAgent connects to the room's WebSocket with an agent token.
func (e *env) dialAgent(t *testing.T, token string) (*wsPeer, *http.Response, error) {
	return e.dial(t, http.Header{"Authorization": {"Bearer " + token}})
}

func (e *env) dialWS(t *testing.T, hc *http.Client) (*wsPeer, *http.Response, error) {
	u, _ := url.Parse(e.url)
	header := http.Header{}
	if hc.Jar != nil {
		for _, c := range hc.Jar.Cookies(u) {
			header.Add("Cookie", c.Name+"="+c.Value)
		}
	}
	return e.dial(t, header)
}

func (e *env) dial(t *testing.T, header http.Header) (*wsPeer, *http.Response, error) {
	ws, res, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(e.url, "http")+"/rooms/"+e.roomID+"/signal",
		&websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		return nil, res, err
	}
	ws.SetReadLimit(1 << 20)
	p := &wsPeer{ws: ws, frames: make(chan frame, 10000), closed: make(chan websocket.StatusCode, 1),
		paused: make(chan struct{}), resume: make(chan struct{})}
	go p.read()
	return p, res, nil
}

func (e *env) mustWS(t *testing.T, hc *http.Client) *wsPeer {
	t.Helper()
	p, _, err := e.dialWS(t, hc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.close)
	return p
}

func (p *wsPeer) read() {
	for {
		select {
		case <-p.paused:
			<-p.resume
		default:
		}
		_, b, err := p.ws.Read(context.Background())
		if err != nil {
			p.closed <- websocket.CloseStatus(err)
			close(p.frames)
			return
		}
		var f frame
		json.Unmarshal(b, &f)
		p.frames <- f
	}
}

func (p *wsPeer) send(t *testing.T, typ, id string, data any) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"v": 1, "type": typ, "id": id, "data": data})
	if err := p.ws.Write(context.Background(), websocket.MessageText, b); err != nil {
		t.Fatalf("write %s: %v", typ, err)
	}
}

func (p *wsPeer) next(t *testing.T, within time.Duration) (frame, bool) {
	select {
	case f, ok := <-p.frames:
		return f, ok
	case <-time.After(within):
		return frame{}, false
	}
}

func (p *wsPeer) close() { p.ws.Close(websocket.StatusNormalClosure, "") }

// pollPeer speaks the protocol over HTTP long polling.
type pollPeer struct {
	e      *env
	hc     *http.Client
	base   string
	mu     sync.Mutex
	after  int64
	frames chan frame
	stop   chan struct{}
	closed string
	status int // the status of a poll that was refused
}

func (e *env) openPoll(t *testing.T, hc *http.Client) *pollPeer {
	t.Helper()
	var open struct{ Conn string }
	if code := e.api(hc, "POST", "/rooms/"+e.roomID+"/poll", "", &open); code != http.StatusCreated {
		t.Fatalf("open poll: %d", code)
	}
	p := &pollPeer{e: e, hc: hc, base: "/rooms/" + e.roomID + "/poll/" + open.Conn, frames: make(chan frame, 10000), stop: make(chan struct{})}
	go p.loop()
	t.Cleanup(p.close)
	return p
}

func (p *pollPeer) loop() {
	defer close(p.frames)
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s%s?after=%d", p.e.url, p.base, p.after), nil)
		res, err := p.hc.Do(req)
		if err != nil {
			return
		}
		var ans struct {
			Next   int64
			Frames []frame
			Closed string
		}
		json.NewDecoder(res.Body).Decode(&ans)
		res.Body.Close()
		if res.StatusCode != 200 {
			p.mu.Lock()
			p.status = res.StatusCode
			p.mu.Unlock()
			return
		}
		for _, f := range ans.Frames {
			p.frames <- f
		}
		p.after = ans.Next
		if ans.Closed != "" {
			p.mu.Lock()
			p.closed = ans.Closed
			p.mu.Unlock()
			return
		}
	}
}

func (p *pollPeer) send(t *testing.T, typ, id string, data any) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"v": 1, "type": typ, "id": id, "data": data})
	if code := p.e.api(p.hc, "POST", p.base, string(b), nil); code != http.StatusNoContent {
		t.Fatalf("poll send %s: %d", typ, code)
	}
}

func (p *pollPeer) next(t *testing.T, within time.Duration) (frame, bool) {
	select {
	case f, ok := <-p.frames:
		return f, ok
	case <-time.After(within):
		return frame{}, false
	}
}

func (p *pollPeer) close() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
}

// joined is the part of a joined frame the tests read.
type joined struct {
	You struct {
		UserID int64 `json:"user_id"`
	}
	Session struct {
		ID        int64
		StartedAt *time.Time `json:"started_at"`
	}
	Timer struct {
		StartedAt *time.Time `json:"started_at"`
	}
	Messages []struct {
		ID   int64
		Seq  int64
		Body string
	}
	Participants []json.RawMessage
	WaitingFor   *struct{ Name string } `json:"waiting_for"`
}

func join(t *testing.T, p peer, data any) joined {
	t.Helper()
	p.send(t, "join", "j", data)
	f := wait(t, p, "joined")
	var j joined
	f.decode(t, &j)
	return j
}

func mustURL(s string) *url.URL {
	u, _ := url.Parse(s)
	return u
}
