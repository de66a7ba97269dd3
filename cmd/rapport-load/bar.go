package main

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// loadBar shows the phases of a load run as progress bars on stderr.
type loadBar struct {
	w     io.Writer
	phase string
	bar   *progressbar.ProgressBar
}

func newLoadBar(w io.Writer) *loadBar { return &loadBar{w: w} }

// phases describe the phases of a run, in the order they come.
var phases = []struct{ name, desc string }{
	{"setup", "signing in and booking"}, {"join", "joining rooms"}, {"media", "waiting for every track"},
	{"warm-up", "warming up"}, {"send", "sending"}, {"measure", "measuring"},
}

func (b *loadBar) update(phase string, done, total int, sent int64) {
	if phase != b.phase {
		b.finish()
		b.phase = phase
		b.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(b.w), progressbar.OptionSetDescription(describe(phase)),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	if total != b.bar.GetMax() { // a run of several processes adds up their totals as they come
		b.bar.ChangeMax(total)
	}
	switch phase {
	case "send":
		b.bar.Describe(fmt.Sprintf("sending (%d messages)", sent))
	case "measure":
		b.bar.Describe(fmt.Sprintf("measuring (%d received)", sent))
	}
	b.bar.Set(done)
}

func describe(phase string) string {
	for _, p := range phases {
		if p.name == phase {
			return p.desc
		}
	}
	return phase
}

func (b *loadBar) finish() {
	if b.bar != nil {
		b.bar.Finish()
		fmt.Fprintln(b.w)
		b.bar = nil
	}
}
