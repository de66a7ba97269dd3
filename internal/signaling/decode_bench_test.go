package signaling

import (
	"testing"

	"rapport/internal/protocol"
)

// BenchmarkDecodeChat decodes a chat.send frame as the reader does for every
// message: the envelope, then its data.
func BenchmarkDecodeChat(b *testing.B) {
	raw := []byte(`{"v":1,"type":"chat.send","id":"c7f3a1","data":{"client_id":"c7f3a1","body":"How did the exercise go this week?"}}`)
	b.ReportAllocs()
	for b.Loop() {
		in, err := protocol.Decode(raw)
		if err != nil {
			b.Fatal(err)
		}
		var m chatSend
		if err := protocol.DecodeData(in, &m); err != nil {
			b.Fatal(err)
		}
	}
}
