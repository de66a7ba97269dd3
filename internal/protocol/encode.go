package protocol

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// The chat path encodes by hand: a message is encoded once and spliced into
// both the sender's acknowledgement and everyone else's chat.message, where
// encoding/json would encode it twice, by reflection. encode_test.go checks
// that the bytes equal what encoding/json makes of the same values.

// AppendMessage appends m as JSON, as Message marshals.
func AppendMessage(b []byte, m Message) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, m.ID, 10)
	b = append(b, `,"session_id":`...)
	b = strconv.AppendInt(b, m.SessionID, 10)
	if m.SenderID != 0 {
		b = append(b, `,"sender_id":`...)
		b = strconv.AppendInt(b, m.SenderID, 10)
	}
	b = append(b, `,"kind":`...)
	b = appendString(b, m.Kind)
	b = append(b, `,"body":`...)
	b = appendString(b, m.Body)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, m.Seq, 10)
	if m.ClientID != "" {
		b = append(b, `,"client_id":`...)
		b = appendString(b, m.ClientID)
	}
	b = append(b, `,"created_at":`...)
	b = appendTime(b, m.CreatedAt)
	if m.SenderName != "" {
		b = append(b, `,"sender_name":`...)
		b = appendString(b, m.SenderName)
	}
	return append(b, '}')
}

// ChatFrames encodes a stored message's two frames, each whole in one
// buffer: chat.message for the others, and the data of an acknowledgement
// (AckFrame makes it per request). msg is the message's JSON inside
// the first.
func ChatFrames(m Message) (message *Frame, msg []byte) {
	b := make([]byte, 0, messageSize(m)+len(`{"v":1,"type":"chat.message","data":}`))
	b = append(b, `{"v":1,"type":"chat.message","data":`...)
	start := len(b)
	b = AppendMessage(b, m)
	msg = b[start:len(b):len(b)]
	b = append(b, '}')
	return encodedFrame(TypeChatMessage, "", b), msg
}

// AckFrame encodes the acknowledgement of m (whose JSON is msg) to request
// reqID, whole in one buffer.
func AckFrame(reqID string, m Message, msg []byte) *Frame {
	b := make([]byte, 0, len(msg)+len(reqID)+len(m.ClientID)+160)
	b = append(b, `{"v":1,"type":"chat.ack","id":`...)
	b = appendString(b, reqID)
	b = append(b, `,"data":`...)
	b = appendAck(b, m, msg)
	b = append(b, '}')
	return encodedFrame(TypeChatAck, reqID, b)
}

// messageSize is room enough for m's JSON in most cases: text escapes
// rarely, and the fixed parts are under 160 bytes.
func messageSize(m Message) int {
	return 160 + len(m.Body) + len(m.Body)/8 + len(m.ClientID) + len(m.SenderName) + len(m.Kind)
}

// appendAck appends the acknowledgement of a message whose JSON is msg.
func appendAck(b []byte, m Message, msg []byte) []byte {
	b = append(b, `{"client_id":`...)
	b = appendString(b, m.ClientID)
	b = append(b, `,"message_id":`...)
	b = strconv.AppendInt(b, m.ID, 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, m.Seq, 10)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, m.CreatedAt)
	b = append(b, `,"message":`...)
	b = append(b, msg...)
	return append(b, '}')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json does:
// quotes, backslashes, control characters, <, > and &, U+2028 and U+2029,
// and invalid UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
