package roomclient

import (
	"reflect"
	"testing"
)

// Frames as the server writes them (room.chatFrames, room.ackFrame).
const (
	plainMessage = `{"id":9,"session_id":3,"sender_id":7,"kind":"text","body":"t=1767225600000000000 room 12 message 40: how did the exercise go this week?","seq":41,"client_id":"k-1","created_at":"2030-01-02T03:04:05.123456Z","sender_name":"Cora"}`
	messageFrame = `{"v":1,"type":"chat.message","data":` + plainMessage + `}`
	ackFrameJSON = `{"v":1,"type":"chat.ack","id":"r7","data":{"client_id":"k-1","message_id":9,"seq":41,"created_at":"2030-01-02T03:04:05.123456Z","message":` + plainMessage + `}}`
)

func TestFlatScannerReadsTheServersFramesAsTheDecoderDoes(t *testing.T) {
	m, ok := scanMessageFrame([]byte(messageFrame))
	_, want, _ := decodeAs[Message]([]byte(messageFrame), "chat.message")
	if !ok || !reflect.DeepEqual(m, want) {
		t.Fatalf("message: %v\n got %+v\nwant %+v", ok, m, want)
	}
	id, a, ok := scanAckFrame([]byte(ackFrameJSON))
	wantID, wantAck, _ := decodeAs[Ack]([]byte(ackFrameJSON), "chat.ack")
	if !ok || id != wantID || !reflect.DeepEqual(a, wantAck) {
		t.Fatalf("ack: %v %q %+v, want %q %+v", ok, id, a, wantID, wantAck)
	}
	// The AI's messages have no sender; a message need not have a client ID.
	ai := `{"v":1,"type":"chat.message","data":{"id":10,"session_id":3,"kind":"ai","body":"Breathe.","seq":42,"created_at":"2030-01-02T03:04:06Z"}}`
	if m, ok := scanMessageFrame([]byte(ai)); !ok || m.SenderID != 0 || m.Body != "Breathe." || m.CreatedAt.Second() != 6 {
		t.Fatalf("the AI's message: %v %+v", ok, m)
	}
}

func TestFlatScannerLeavesTheRestToTheDecoder(t *testing.T) {
	for name, in := range map[string]string{
		"an escape":      `{"v":1,"type":"chat.message","data":{"id":9,"body":"hi \"there\""}}`,
		"null":           `{"v":1,"type":"chat.message","data":{"id":9,"sender_id":null}}`,
		"an unknown key": `{"v":1,"type":"chat.message","data":{"id":9,"reactions":2}}`,
		"a string id":    `{"v":1,"type":"chat.message","data":{"id":"nine"}}`,
		"a cut frame":    messageFrame[:len(messageFrame)-1],
		"more after it":  messageFrame + `{}`,
		"another type":   `{"v":1,"type":"chat.messages","data":{}}`,
		"a bad time":     `{"v":1,"type":"chat.message","data":{"created_at":"yesterday"}}`,
		"spaces":         `{"v":1,"type":"chat.message","data":{"id": 9}}`,
	} {
		if _, ok := scanMessageFrame([]byte(in)); ok {
			t.Errorf("%s: taken by the scanner", name)
		}
	}
	if _, _, ok := scanAckFrame([]byte(ackFrameJSON[:40])); ok {
		t.Error("a cut ack was taken")
	}
}

// FuzzFlatScannerAgreesWithTheDecoder: whatever the scanner takes, the
// general decoder takes too, and reads the same.
func FuzzFlatScannerAgreesWithTheDecoder(f *testing.F) {
	f.Add(messageFrame)
	f.Add(ackFrameJSON)
	f.Add(`{"v":1,"type":"chat.message","data":{}}`)
	f.Fuzz(func(t *testing.T, in string) {
		if m, ok := scanMessageFrame([]byte(in)); ok {
			_, want, wok := decodeAs[Message]([]byte(in), "chat.message")
			if !wok || !reflect.DeepEqual(m, want) {
				t.Fatalf("message %q: scanner %+v, decoder %v %+v", in, m, wok, want)
			}
		}
		if id, a, ok := scanAckFrame([]byte(in)); ok {
			wantID, want, wok := decodeAs[Ack]([]byte(in), "chat.ack")
			if !wok || id != wantID || !reflect.DeepEqual(a, want) {
				t.Fatalf("ack %q: scanner %q %+v, decoder %v %q %+v", in, id, a, wok, wantID, want)
			}
		}
	})
}

func BenchmarkDecodeMessageFrame(b *testing.B) {
	in := []byte(messageFrame)
	b.Run("scanner", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := scanMessageFrame(in); !ok {
				b.Fatal("not taken")
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, ok := decodeAs[Message](in, "chat.message"); !ok {
				b.Fatal("not taken")
			}
		}
	})
}
