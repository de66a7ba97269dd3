package tunnelclient

import (
	"context"
	"encoding/binary"
	"time"

	"rapport/internal/tunnel"
)

// SendSynthetic publishes a synthetic camera and microphone until ctx
// ends: VP8 at 30 frames a second and about kbps kilobits a second (a
// keyframe every two seconds and when asked), and Opus at 50 frames a
// second. Every frame carries its send time where mediaclient.SentAt finds
// it in the RTP payloads made of it, and mediaclient.FrameSentAt in the
// frame.
func SendSynthetic(ctx context.Context, c *Client, kbps int) {
	vt, at := time.NewTicker(time.Second/30), time.NewTicker(20*time.Millisecond)
	defer vt.Stop()
	defer at.Stop()
	frameBytes := max(kbps*1000/8/30, 16)
	var n, audio uint32
	wantKey := true
	for {
		var f tunnel.Frame
		select {
		case <-ctx.Done():
			return
		case p := <-c.KeyframeRequests():
			wantKey = wantKey || p == "camera"
			continue
		case <-vt.C:
			key := wantKey || n%60 == 0
			wantKey = false
			size := frameBytes
			if key {
				size *= 4
			}
			data := make([]byte, size)
			data[0] = 1 // VP8's inverse key frame flag
			if key {
				data[0] = 0
			}
			binary.BigEndian.PutUint64(data[1:], uint64(time.Now().UnixNano()))
			f = tunnel.Frame{Kind: tunnel.Video, Keyframe: key, Track: tunnel.PurposeCode("camera"), Timestamp: n * 3000, Data: data}
			n++
		case <-at.C:
			data := make([]byte, 80)
			data[0] = 0xfc // an Opus TOC byte
			binary.BigEndian.PutUint64(data[2:], uint64(time.Now().UnixNano()))
			f = tunnel.Frame{Kind: tunnel.Audio, Track: tunnel.PurposeCode("mic"), Level: 40, Timestamp: audio * 960, Data: data}
			audio++
		}
		if c.Send(ctx, &f) != nil {
			return
		}
	}
}
