package voice_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"rapport/internal/ai"
	"rapport/internal/ai/aitest"
	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/notify"
	"rapport/internal/protocol"
	"rapport/internal/room"
	"rapport/internal/sfu"
	"rapport/internal/speech"
	"rapport/internal/store/storetest"
	"rapport/internal/voice"
)

// The phrases of the test: what the coach says, and what the AI answers.
const (
	asked   = "assistant what should i focus on this week"
	answers = "tell me more about that"
)

// needs finds a local speech engine, or skips (fails under CI).
func needs(t *testing.T, bin string) {
	t.Helper()
	if _, err := exec.LookPath(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (scripts/test-deps.sh installs it)", bin)
		}
		t.Skipf("%s is not installed", bin)
	}
}

// call is a room with the AI's host, the coach and client seated, and the
// coach's pion peer in the SFU.
type call struct {
	t      testing.TB
	m      *room.Manager
	sfu    *sfu.SFU
	host   *voice.Host
	model  *aitest.Server
	appt   *coaching.Appointment
	coach  *room.Seat
	client *room.Seat
	conns  map[string]*conn
	ears   speech.Transcriber
}

func newCall(t *testing.T) *call {
	needs(t, speech.EspeakBin)
	needs(t, speech.PocketsphinxBin)
	grammar := filepath.Join(t.TempDir(), "phrases.gram")
	g, err := speech.Grammar(asked, answers, "thank you that was helpful")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(grammar, []byte(g), 0o644); err != nil {
		t.Fatal(err)
	}
	model := aitest.New(t)
	model.Answer(func([]ai.Message) string { return "Tell me more about that." })
	ears := speech.Pocketsphinx{Grammar: grammar}
	c := newRoom(t, &voice.Host{Mind: &ai.CoCoach{Client: ai.NewClient(model.URL, "stand-in", "")}, Ears: ears,
		Mouth: speech.Espeak{Voice: "en-us", Speed: 140}})
	c.model, c.ears = model, ears
	return c
}

// newRoom books an appointment and seats the coach and the client in its
// room, with host (its Rooms, SFU and Log filled in) bringing the AI.
func newRoom(t testing.TB, host *voice.Host) *call {
	db := storetest.MustOpen(t, "sqlite")
	clock := app.SystemClock{}
	svc := coaching.NewService(db, clock)
	ctx := context.Background()
	coach, _ := svc.DevSignIn(ctx, "coach@example.com", "Cora", app.RoleCoach)
	client, _ := svc.DevSignIn(ctx, "client@example.com", "Cleo", app.RoleClient)
	db.LinkCoachClient(ctx, coach.ID, client.ID, time.Now())
	appt, err := svc.Book(app.WithActor(ctx, coach.Actor()), coaching.Booking{ClientID: client.ID, Title: "Focus",
		StartsAt: time.Now().Add(5 * time.Minute), Duration: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	appt, err = svc.Room(app.WithActor(ctx, coach.Actor()), appt.RoomID)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := chat.NewWriter(db, log)
	t.Cleanup(w.Close)
	m := room.NewManager(svc, db, w, notify.NewHub(), clock, log)
	s, err := sfu.New(sfu.Settings{LoopbackOnly: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	host.Rooms, host.SFU, host.Log = m, s, log
	c := &call{t: t, m: m, sfu: s, appt: appt, conns: map[string]*conn{}, host: host}
	t.Cleanup(c.host.Close)
	m.Voice = c.host
	c.coach = c.seat("coach", coach)
	c.client = c.seat("client", client)
	return c
}

// seat joins a person to the room over a connection that keeps frames.
func (c *call) seat(name string, u *coaching.User) *room.Seat {
	cn := &conn{frames: make(chan *protocol.Frame, 1000)}
	h, err := c.m.Join(c.appt, u, cn, protocol.JoinRequest{}, "j")
	if err != nil {
		c.t.Fatal(err)
	}
	c.conns[name] = cn
	return h
}

// conn keeps what the room sends a person.
type conn struct{ frames chan *protocol.Frame }

func (c *conn) Send(f *protocol.Frame) bool {
	select {
	case c.frames <- f:
	default:
	}
	return true
}

func (c *conn) Close(string) {}

// wait returns the next frame of a type that satisfies ok.
func (c *conn) wait(t testing.TB, typ string, within time.Duration, ok func(*protocol.Frame) bool) *protocol.Frame {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case f := <-c.frames:
			if f.Type == typ && (ok == nil || ok(f)) {
				return f
			}
		case <-deadline:
			t.Fatalf("no %s frame within %v", typ, within)
			return nil
		}
	}
}

// peer is the coach's browser as a pion peer: it speaks into its
// microphone and hears the AI's.
type peer struct {
	pc      *webrtc.PeerConnection
	mic     *webrtc.TrackLocalStaticSample
	mu      sync.Mutex
	heard   []int16              // the AI's voice, decoded, 48 kHz
	packets []arrival            // the AI's packets as they came
	reports []*rtcp.SenderReport // the SFU's reports of what it sent of the AI's voice
	ai      chan struct{}
}

// arrival is one packet of the AI's voice: when it came, its RTP time and
// its number.
type arrival struct {
	at  time.Time
	ts  uint32
	seq uint16
}

func (c *call) join(user int64) *peer {
	t := c.t
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	mic, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", "coach")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTrack(mic); err != nil {
		t.Fatal(err)
	}
	p := &peer{pc: pc, mic: mic, ai: make(chan struct{}, 1)}
	pc.OnTrack(func(tr *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		if tr.StreamID() == "0-mic" {
			p.ai <- struct{}{}
			go p.listen(tr)
			go p.readReports(r, uint32(tr.SSRC()))
		}
	})
	l, err := c.sfu.Dial(c.appt.RoomID, user, pc, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	// What the microphone sends once the connection is up reaches the SFU.
	for deadline := time.Now().Add(20 * time.Second); pc.ConnectionState() != webrtc.PeerConnectionStateConnected; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the peer's connection is still %v", pc.ConnectionState())
		}
	}
	return p
}

// say speaks a phrase into the microphone, in real time, then a second of
// silence; it returns when its first frame went out.
func (p *peer) say(t *testing.T, text string) time.Time {
	t.Helper()
	pcm, err := speech.Espeak{Voice: "en-us", Speed: 140}.Synthesize(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := speech.NewEncoder(32000)
	if err != nil {
		t.Fatal(err)
	}
	at48 := pcm.Resample(48000)
	samples := append(at48.Samples, make([]int16, 48000)...)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for i := 0; i+960 <= len(samples); i += 960 {
		b, err := enc.Encode(samples[i : i+960])
		if err != nil {
			t.Fatal(err)
		}
		if err := p.mic.WriteSample(media.Sample{Data: b, Duration: 20 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		<-tick.C
	}
	return start
}

// listen decodes the AI's voice as it comes.
func (p *peer) listen(tr *webrtc.TrackRemote) {
	dec, err := speech.NewDecoder()
	if err != nil {
		return
	}
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		p.hear(dec, pkt)
	}
}

func (p *peer) hear(dec *speech.Decoder, pkt *rtp.Packet) {
	at := time.Now()
	samples, _ := dec.Decode(pkt.Payload)
	p.mu.Lock()
	p.heard = append(p.heard, samples...)
	p.packets = append(p.packets, arrival{at: at, ts: pkt.Timestamp, seq: pkt.SequenceNumber})
	p.mu.Unlock()
}

// readReports keeps the SFU's sender reports of the AI's voice (ssrc).
func (p *peer) readReports(r *webrtc.RTPReceiver, ssrc uint32) {
	for {
		pkts, _, err := r.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			if sr, ok := pkt.(*rtcp.SenderReport); ok && sr.SSRC == ssrc {
				p.mu.Lock()
				p.reports = append(p.reports, sr)
				p.mu.Unlock()
			}
		}
	}
}

// sentSince returns the packet count of the first sender report of the
// AI's voice made after t.
func (p *peer) sentSince(t time.Time) (uint32, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sr := range p.reports {
		if ntpTime(sr.NTPTime).After(t) {
			return sr.PacketCount, true
		}
	}
	return 0, false
}

// ntpTime converts an RTCP NTP timestamp (seconds since 1900, 32.32 fixed
// point) to a time.
func ntpTime(ntp uint64) time.Time {
	const from1900 = 2208988800
	return time.Unix(int64(ntp>>32)-from1900, int64((ntp&0xffffffff)*uint64(time.Second)>>32))
}

// received reports how far the AI's voice has arrived: one more than the
// highest packet number since the first (lost packets before it count).
func (p *peer) received() uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.packets) == 0 {
		return 0
	}
	var far uint16
	for _, a := range p.packets {
		far = max(far, a.seq-p.packets[0].seq)
	}
	return uint32(far) + 1
}

// waitAllArrived waits until the AI can send no more of its voice and all
// it sent has arrived: the SFU's first sender report made after that counts
// every packet it sent, and the last of them is numbered that far from the
// first.
func (p *peer) waitAllArrived(t *testing.T, agent *voice.Agent) {
	t.Helper()
	waitFor(t, 10*time.Second, "the AI's answer to stop", func() bool { return !agent.Speaking() })
	stopped := time.Now()
	var sent uint32
	waitFor(t, 10*time.Second, "a sender report of the AI's voice after it stopped", func() bool {
		var ok bool
		sent, ok = p.sentSince(stopped)
		return ok
	})
	waitFor(t, 10*time.Second, fmt.Sprintf("the last of the %d packets of the AI's voice", sent), func() bool { return p.received() >= sent })
}

// inSFU waits until the AI has joined the SFU, so that it hears what a
// person says from its first frame.
func (c *call) inSFU(t *testing.T) *voice.Agent {
	t.Helper()
	var a *voice.Agent
	waitFor(t, 10*time.Second, "the AI in the SFU", func() bool {
		a = c.host.Agent(c.appt.RoomID)
		return a != nil && a.InSFU()
	})
	return a
}

// waitFor polls cond until it holds, failing the test after within (a
// bound against a hang, not a guess at how long it takes).
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: gave up after %v", what, within)
		}
	}
}

func (p *peer) voice() speech.PCM {
	p.mu.Lock()
	defer p.mu.Unlock()
	return speech.PCM{Rate: 48000, Samples: append([]int16(nil), p.heard...)}
}

// TestTheAIHearsAQuestionAndAnswersAloud is the whole loop with real
// parts: the coach's pion peer says a phrase (espeak-ng, Opus); the AI in
// the room transcribes it (pocketsphinx with a grammar), hears itself
// addressed, asks the model (a stand-in over HTTP) and speaks its answer
// (espeak-ng, Opus); the coach's peer decodes the AI's track and
// recognises the answer.
func TestTheAIHearsAQuestionAndAnswersAloud(t *testing.T) {
	c := newCall(t)
	c.coach.FloorEvent("i", room.FloorEvent{Kind: room.Invite})
	c.client.FloorEvent("c", room.FloorEvent{Kind: room.Agree})
	coach := c.conns["coach"]
	coach.wait(t, "participant.joined", 5*time.Second, func(f *protocol.Frame) bool { return f.Data.(protocol.Participant).UserID == 0 })
	c.inSFU(t)
	p := c.join(c.appt.CoachID)
	p.say(t, asked)

	caption := coach.wait(t, "caption", 10*time.Second, func(f *protocol.Frame) bool { return f.Data.(protocol.Caption).UserID == c.appt.CoachID })
	if got := caption.Data.(protocol.Caption).Text; got != asked {
		t.Fatalf("the AI heard %q, want %q", got, asked)
	}
	coach.wait(t, "ai.floor", 5*time.Second, func(f *protocol.Frame) bool { return f.Data.(protocol.FloorState).Speaking })
	select {
	case <-p.ai:
	case <-time.After(10 * time.Second):
		t.Fatal("the coach never received the AI's voice")
	}
	coach.wait(t, "ai.floor", 15*time.Second, func(f *protocol.Frame) bool { return !f.Data.(protocol.FloorState).Speaking })
	reqs := c.model.Requests()
	if len(reqs) != 1 || !strings.Contains(reqs[0].Messages[len(reqs[0].Messages)-1].Content, asked) {
		t.Fatalf("the model was asked %+v", reqs)
	}
	heard := p.voice()
	if heard.Duration() < 500*time.Millisecond {
		t.Fatalf("only %v of the AI's voice reached the coach", heard.Duration())
	}
	text, err := c.ears.Transcribe(context.Background(), heard)
	if err != nil {
		t.Fatal(err)
	}
	if text != answers {
		t.Fatalf("the coach heard the AI say %q, want %q", text, answers)
	}
}

// TestAPersonTalkingOverTheAIStopsItWithin300ms: while the AI speaks a
// long answer, the coach starts talking; on the AI's own RTP clock, its
// voice stops within 300 ms of the coach's onset, the floor goes back to
// the people, and what it did not get to say is not kept as said.
func TestAPersonTalkingOverTheAIStopsItWithin300ms(t *testing.T) {
	c := newCall(t)
	long := "Tell me more about that. Thank you that was helpful. Tell me more about that. Thank you that was helpful. Tell me more about that."
	c.model.Answer(func([]ai.Message) string { return long })
	c.coach.FloorEvent("i", room.FloorEvent{Kind: room.Invite})
	c.client.FloorEvent("c", room.FloorEvent{Kind: room.Agree})
	coach := c.conns["coach"]
	coach.wait(t, "participant.joined", 5*time.Second, func(f *protocol.Frame) bool { return f.Data.(protocol.Participant).UserID == 0 })
	agent := c.inSFU(t)
	p := c.join(c.appt.CoachID)
	p.say(t, asked)
	select {
	case <-p.ai:
	case <-time.After(15 * time.Second):
		t.Fatal("the AI never spoke")
	}
	waitFor(t, 15*time.Second, "the AI well into its first sentence", func() bool { return p.voice().Duration() >= 800*time.Millisecond })
	onset := p.say(t, "thank you that was helpful")
	coach.wait(t, "ai.floor", 5*time.Second, func(f *protocol.Frame) bool { return !f.Data.(protocol.FloorState).Speaking })
	p.waitAllArrived(t, agent)
	p.mu.Lock()
	packets := append([]arrival(nil), p.packets...)
	p.mu.Unlock()
	var atOnset, last arrival
	for _, a := range packets {
		if !a.at.After(onset) {
			atOnset = a
		}
		last = a
	}
	if atOnset.at.IsZero() {
		t.Fatalf("no AI voice before the onset: %d packets", len(packets))
	}
	spoke := time.Duration(last.ts-atOnset.ts) * time.Second / 48000
	t.Logf("the AI went on for %v after the coach's onset (on its RTP clock)", spoke)
	if spoke > 300*time.Millisecond {
		t.Fatalf("the AI went on for %v after the coach started talking; want 300 ms at most", spoke)
	}
	if heard := p.voice().Duration(); heard > 5*time.Second {
		t.Fatalf("%v of the AI's voice: it was not cut off", heard)
	}
	said := 0
	for drained := false; !drained; {
		select {
		case f := <-coach.frames:
			if cp, ok := f.Data.(protocol.Caption); ok && f.Type == "caption" && cp.UserID == 0 {
				said++
			}
		default:
			drained = true
		}
	}
	if said >= 5 {
		t.Fatalf("all %d sentences were kept as said although the AI was cut off", said)
	}
}

// TestWhenTheModelIsDownTheCallGoesOn: handed the floor with the model
// down, the AI says nothing, the room is told it is unavailable, and the
// floor comes back to the people.
func TestWhenTheModelIsDownTheCallGoesOn(t *testing.T) {
	c := newCall(t)
	c.model.Down(true)
	c.coach.FloorEvent("i", room.FloorEvent{Kind: room.Invite})
	coach := c.conns["coach"]
	coach.wait(t, "participant.joined", 5*time.Second, func(f *protocol.Frame) bool { return f.Data.(protocol.Participant).UserID == 0 })
	c.coach.FloorEvent("h", room.FloorEvent{Kind: room.HandOver})
	st := coach.wait(t, "ai.status", 15*time.Second, nil).Data.(*protocol.AIStatus)
	if st.Available {
		t.Fatalf("ai.status %+v", st)
	}
	coach.wait(t, "ai.floor", 15*time.Second, func(f *protocol.Frame) bool {
		fl := f.Data.(protocol.FloorState)
		return fl.Present && !fl.Speaking
	})
}
