// Package signaling carries the room protocol (package protocol) between
// browsers and the server: over a WebSocket, or over HTTP long polling
// where WebSockets are blocked, both authenticated by the session cookie.
// One dispatcher serves both; docs/protocol.md describes the frames.
package signaling

import "rapport/internal/app"

// errTooFast answers frames past a connection's limit (Server.FrameRate):
// typing and presence floods must not drown a room.
var errTooFast = app.Errorf(app.ERATELIMITED, "too many frames; slow down")

var errBinary = app.Errorf(app.EINVALID, "binary frames are not part of this protocol")
