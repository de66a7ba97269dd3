package protocol

// The frames a client sends (docs/protocol.md, "Client to server").
const (
	TypeJoin           = "join"
	TypeLeave          = "leave"
	TypePing           = "ping"
	TypeChatSend       = "chat.send"
	TypeChatSync       = "chat.sync"
	TypeMediaAnswer    = "media.answer"
	TypeMediaView      = "media.view"
	TypeMediaTunnel    = "media.tunnel"
	TypeAIInvite       = "ai.invite"
	TypeAIConsent      = "ai.consent"
	TypeAIMode         = "ai.mode"
	TypeAITranscript   = "ai.transcript"
	TypeAIHeard        = "ai.heard"
	TypeAIDismiss      = "ai.dismiss"
	TypeRoomEnd        = "room.end"
	TypeP2PSignal      = "p2p.signal" // also sent on to the other browser
	TypeTyping         = "typing"     // both ways
	TypePresence       = "presence"   // both ways
	TypeMediaOffer     = "media.offer"
	TypeMediaCandidate = "media.candidate" // both ways
	TypeAIFloor        = "ai.floor"        // both ways
	TypeCaption        = "caption"         // both ways: the AI's seat sends, everyone receives
)

// The frames the server sends (docs/protocol.md, "Server to client").
const (
	TypeJoined            = "joined"
	TypeParticipantJoined = "participant.joined"
	TypeParticipantLeft   = "participant.left"
	TypeChatAck           = "chat.ack"
	TypeChatMessage       = "chat.message"
	TypeChatMessages      = "chat.messages"
	TypeTimer             = "timer"
	TypeTimerWarning      = "timer.warning"
	TypeReplaced          = "replaced"
	TypeRoomEnded         = "room.ended"
	TypeSpeaker           = "speaker"
	TypeAIStream          = "ai.stream"
	TypeAIStatus          = "ai.status"
	TypeOK                = "ok"
	TypePong              = "pong"
	TypeError             = "error"
)
