package protocol

import (
	"encoding/json"
	"testing"
	"time"

	"rapport/internal/chat"
)

func sample(body string) Message {
	return MessageOf(&chat.Message{ID: 9, SessionID: 3, SenderID: 7, Kind: chat.KindText, Body: body, Seq: 41,
		ClientID: "k-1", CreatedAt: time.Date(2030, 1, 2, 3, 4, 5, 60700, time.UTC)}, "Cora <coach>")
}

func TestHandEncodingMatchesEncodingJSON(t *testing.T) {
	for _, body := range []string{"hello", `quote " and \ backslash`, "line\nbreak\ttab\r", "<b>&amp;</b>",
		"\u2028\u2029", "\x00\x1f\x7f", "héllo wörld ✓ 👋", "bad \xff utf8", ""} {
		m := sample(body)
		want, _ := json.Marshal(m)
		if got := AppendMessage(nil, m); string(got) != string(want) {
			t.Errorf("message %q:\n got %s\nwant %s", body, got, want)
		}
		wantAck, _ := json.Marshal(Ack{ClientID: m.ClientID, ID: m.ID, Seq: m.Seq, CreatedAt: m.CreatedAt, Message: m})
		if got := appendAck(nil, m, AppendMessage(nil, m)); string(got) != string(wantAck) {
			t.Errorf("ack %q:\n got %s\nwant %s", body, got, wantAck)
		}
		f, msg := ChatFrames(m)
		if want := NewFrame("chat.message", m).Bytes(); string(f.Bytes()) != string(want) {
			t.Errorf("chat.message frame %q:\n got %s\nwant %s", body, f.Bytes(), want)
		}
		a := Ack{ClientID: m.ClientID, ID: m.ID, Seq: m.Seq, CreatedAt: m.CreatedAt, Message: m}
		if got, want := AckFrame("r<7>", m, msg).Bytes(), Reply("r<7>", "chat.ack", a).Bytes(); string(got) != string(want) {
			t.Errorf("chat.ack frame %q:\n got %s\nwant %s", body, got, want)
		}
	}
	ai := MessageOf(&chat.Message{ID: 1, SessionID: 2, Kind: chat.KindAI, Body: "x", Seq: 1, CreatedAt: time.Unix(0, 0).UTC()}, "")
	want, _ := json.Marshal(ai)
	if got := AppendMessage(nil, ai); string(got) != string(want) {
		t.Errorf("AI message:\n got %s\nwant %s", got, want)
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("hello \"world\" <\u2028>")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("%q:\n got %s\nwant %s", s, got, want)
		}
	})
}

func BenchmarkEncodeChatFrames(b *testing.B) {
	m := sample("t=1764124800000000000 room 12 message 40: how did the exercise go this week?")
	b.ReportAllocs()
	for b.Loop() {
		f, msg := ChatFrames(m)
		f.Bytes()
		AckFrame("r7", m, msg).Bytes()
	}
}

func BenchmarkEncodeChatFramesReflect(b *testing.B) {
	m := sample("t=1764124800000000000 room 12 message 40: how did the exercise go this week?")
	b.ReportAllocs()
	for b.Loop() {
		NewFrame("chat.message", m).Bytes()
		Reply("r7", "chat.ack", Ack{ClientID: m.ClientID, ID: m.ID, Seq: m.Seq, CreatedAt: m.CreatedAt, Message: m}).Bytes()
	}
}
