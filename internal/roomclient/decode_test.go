package roomclient

import (
	"encoding/json"
	"testing"
)

func TestDecodeFrameTakesTheShortWayAndTheLongWayAlike(t *testing.T) {
	msg := `{"id":9,"session_id":3,"sender_id":7,"kind":"text","body":"hi \"there\"","seq":41,"client_id":"k-1","created_at":"2030-01-02T03:04:05Z","sender_name":"Cora"}`
	for _, tc := range []struct{ name, in string }{
		{"server order", `{"v":1,"type":"chat.message","data":` + msg + `}`},
		{"another order", `{"type":"chat.message","v":1,"data":` + msg + `}`},
	} {
		f, ok := decodeFrame([]byte(tc.in))
		if !ok {
			t.Fatalf("%s: not decoded", tc.name)
		}
		m := f.message
		if m == nil { // the long way keeps the data for handle to decode
			m = new(Message)
			if err := json.Unmarshal(f.Data, m); err != nil {
				t.Fatal(err)
			}
		}
		if f.Type != "chat.message" || m.ID != 9 || m.Seq != 41 || m.Body != `hi "there"` || m.SenderName != "Cora" {
			t.Errorf("%s: got %+v %+v", tc.name, f, m)
		}
	}
	f, ok := decodeFrame([]byte(`{"v":1,"type":"chat.ack","id":"r7","data":{"client_id":"k-1","message_id":9,"seq":41,"message":` + msg + `}}`))
	if !ok || f.ack == nil || f.ID != "r7" || f.ack.ID != 9 || f.ack.Seq != 41 || f.ack.ClientID != "k-1" {
		t.Errorf("ack: %v %+v %+v", ok, f, f.ack)
	}
	// A type that merely starts like one of them is not taken for it.
	if f, ok := decodeFrame([]byte(`{"v":1,"type":"chat.messages","data":{"messages":[]}}`)); !ok || f.Type != "chat.messages" || f.message != nil {
		t.Errorf("chat.messages: %v %+v", ok, f)
	}
	// Data the short way cannot take goes the long way, as before.
	if f, ok := decodeFrame([]byte(`{"v":1,"type":"chat.message","data":{"id":"nine"}}`)); !ok || f.message != nil || string(f.Data) != `{"id":"nine"}` {
		t.Errorf("malformed data: %v %+v", ok, f)
	}
	if _, ok := decodeFrame([]byte(`{"v":1,"type":`)); ok {
		t.Error("a cut frame was decoded")
	}
}

func TestRecentIDsForgetsTheOldestBeyondItsBound(t *testing.T) {
	r := newRecentIDs(3)
	for _, id := range []int64{1, 2, 3} {
		if r.add(id) {
			t.Fatalf("%d seen before it was added", id)
		}
	}
	if !r.add(2) {
		t.Error("2 not remembered")
	}
	r.add(4) // forgets 1
	if r.add(1) {
		t.Error("1 still remembered past the bound")
	}
	if !r.add(4) || len(r.set) != 3 {
		t.Errorf("4 forgotten, or the set grew: %d", len(r.set))
	}
}
