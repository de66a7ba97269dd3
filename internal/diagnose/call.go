package diagnose

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"rapport/internal/mediaclient"
	"rapport/internal/sfu"
)

// checkCall makes a call through an SFU of this process, on loopback: one
// peer publishes a synthetic camera and microphone, the other must receive
// both. It proves the media engine (codecs, ICE, DTLS, SRTP, forwarding);
// the network is the other checks' business.
func checkCall(ctx context.Context, _ Options, log *slog.Logger) Check {
	c := Check{Name: "a call through the SFU"}
	start := time.Now()
	got, lat, err := loopbackCall(ctx, log)
	if err != nil {
		c.Status, c.Detail = Fail, err.Error()
		c.Fix = "this build cannot make calls on this machine: run `make test` for details"
		return c
	}
	c.Status = OK
	c.Detail = fmt.Sprintf("connected and forwarding in %.1f s: %d packets in 2 s, %.1f ms from send to receipt",
		time.Since(start).Seconds()-2, got, lat.Seconds()*1000)
	return c
}

func loopbackCall(ctx context.Context, log *slog.Logger) (int64, time.Duration, error) {
	s, err := sfu.New(sfu.Settings{LoopbackOnly: true}, log)
	if err != nil {
		return 0, 0, err
	}
	defer s.Close()
	api, err := mediaclient.DefaultAPI(true)
	if err != nil {
		return 0, 0, err
	}
	pub, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return 0, 0, err
	}
	defer pub.Close()
	video, audio, err := mediaclient.AddTracks(pub)
	if err != nil {
		return 0, 0, err
	}
	sendCtx, stop := context.WithCancel(ctx)
	defer stop()
	go mediaclient.Send(sendCtx, video, audio, 300)
	lp, err := s.Dial("diagnose", 1, pub, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("the publisher could not join: %w", err)
	}
	defer lp.Close()

	sub, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return 0, 0, err
	}
	defer sub.Close()
	if _, err := sub.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		return 0, 0, err
	}
	var packets, delay atomic.Int64
	tracks := make(chan struct{}, 4)
	sub.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		tracks <- struct{}{}
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if sent, ok := mediaclient.SentAt(p.Payload); ok {
				packets.Add(1)
				delay.Add(int64(time.Since(sent)))
			}
		}
	})
	ls, err := s.Dial("diagnose", 2, sub, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("the subscriber could not join: %w", err)
	}
	defer ls.Close()
	for i := range 2 {
		select {
		case <-tracks:
		case <-ctx.Done():
			return 0, 0, fmt.Errorf("the subscriber got %d of the 2 tracks (ICE %s): %v", i, sub.ICEConnectionState(), ls.Errs())
		}
	}
	packets.Store(0)
	delay.Store(0)
	time.Sleep(2 * time.Second)
	n := packets.Load()
	if n < 50 {
		return n, 0, fmt.Errorf("only %d packets arrived in 2 s", n)
	}
	return n, time.Duration(delay.Load() / n), nil
}
