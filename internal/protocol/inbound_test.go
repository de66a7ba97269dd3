package protocol

import (
	"encoding/json"
	"reflect"
	"testing"

	"rapport/internal/app"
)

// chatSendData is the data of a chat.send, as the server's dispatcher
// reads it.
type chatSendData struct {
	ClientID string `json:"client_id"`
	Body     string `json:"body"`
}

// FuzzDecode feeds the frame decoder (Decode) anything at all: it must never panic,
// must refuse with an EINVALID error, and what it accepts must be a frame of
// version 1 with a sensible type and id whose data every handler can read or
// refuse.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"v":1,"type":"join","id":"1","data":{"session_id":3,"last_seq":9}}`,
		`{"v":1,"type":"chat.send","id":"2","data":{"client_id":"a","body":"hi"}}`,
		`{"v":1,"type":"presence","data":{"mic":true,"cam":false,"path":"sfu-udp"}}`,
		`{"v":1,"type":"typing","data":{"active":true}}`,
		`{"v":1,"type":"chat.sync","id":"x","data":{"after_seq":-1}}`,
		`{"v":2,"type":"join"}`, `{"v":1}`, `[]`, `null`, `{"v":1,"type":"ping"} {}`, "\xff\xfe", ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := Decode(b)
		if err != nil {
			if app.ErrorCode(err) != app.EINVALID {
				t.Fatalf("decode error with code %q: %v", app.ErrorCode(err), err)
			}
			return
		}
		if in.V != 1 || in.Type == "" || len(in.Type) > maxType || len(in.ID) > maxIDSize {
			t.Fatalf("accepted a bad envelope: %+v", in)
		}
		for _, v := range []any{&JoinRequest{}, &chatSendData{}, &Presence{}, &struct{ AfterSeq int64 }{}} {
			if err := DecodeData(in, v); err != nil && app.ErrorCode(err) != app.EINVALID {
				t.Fatalf("data error with code %q", app.ErrorCode(err))
			}
		}
		if _, err := json.Marshal(in); err != nil {
			t.Fatalf("an accepted frame does not encode again: %v", err)
		}
	})
}

// FuzzUnmarshalAgreesWithEncodingJSON: the fast decoder behind Decode and
// DecodeData takes exactly what encoding/json takes, and makes the same of it.
func FuzzUnmarshalAgreesWithEncodingJSON(f *testing.F) {
	for _, seed := range []string{
		`{"v":1,"type":"chat.send","id":"2","data":{"client_id":"a","body":"hi"}}`,
		`{"V":1,"TYPE":"chat.send","type":"typing","data":null}`,
		`{"client_id":"a","body":"\ud800 \u00e9 \xff","Body":"twice"}`,
		`{"session_id":3,"last_seq":9.5}`, `{"after_seq":"1"}`, `{"mic":true,"cam":1}`,
		`{"v":1} x`, `[1]`, `"s"`, `{"data":{"a":[1,{"b":null}]}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		agree(t, b, func() any { return new(Inbound) })
		agree(t, b, func() any { return new(chatSendData) })
		agree(t, b, func() any { return new(JoinRequest) })
		agree(t, b, func() any { return new(Presence) })
	})
}

func agree(t *testing.T, b []byte, zero func() any) {
	t.Helper()
	fast, slow := zero(), zero()
	errFast, errSlow := unmarshal(b, fast), json.Unmarshal(b, slow)
	if (errFast == nil) != (errSlow == nil) {
		t.Fatalf("%T from %q: fast %v, encoding/json %v", fast, b, errFast, errSlow)
	}
	if errFast == nil && !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%T from %q: fast %+v, encoding/json %+v", fast, b, fast, slow)
	}
}
