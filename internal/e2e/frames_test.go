package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"rapport/internal/membership/skool/skooltest"
)

// TestFrameTracerNamesAFrameLeftUnclosed: a page decodes ten frames and
// closes only half of them; after a garbage collection the tracer has
// named the decoder's output as where the unclosed ones came from.
func TestFrameTracerNamesAFrameLeftUnclosed(t *testing.T) {
	t.Parallel()
	chromium := skooltest.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLimit)
	defer cancel()
	base := startServer(t, "sqlite")
	browser := startBrowser(t, ctx, chromium, "js-flags", "--expose-gc")
	p := newPerson(t, browser, base, "coach", "Europe/Berlin", newShooter(t, "frames"))
	p.traceFrames()
	p.open("/", 200)
	eval[bool](p, leakFramesJS, chromedp.EvalAwaitPromise)
	deadline := time.Now().Add(10 * time.Second)
	for !p.sawProblem("frame tracer: a VideoFrame from a decoder's output") {
		if time.Now().After(deadline) {
			t.Fatal("the tracer said nothing of five frames left unclosed")
		}
		eval[bool](p, `(gc(), true)`)
		time.Sleep(100 * time.Millisecond)
	}
}

// leakFramesJS encodes ten frames, decodes them, and closes every other
// one of what the decoder gives out.
const leakFramesJS = `(async () => {
	const canvas = new OffscreenCanvas(320, 240);
	const ctx = canvas.getContext("2d");
	const chunks = [];
	const enc = new VideoEncoder({ output: (c) => chunks.push(c), error: () => {} });
	enc.configure({ codec: "vp8", width: 320, height: 240, bitrate: 500000, framerate: 30 });
	for (let i = 0; i < 10; i++) {
		ctx.fillRect(i * 10, i * 10, 20, 20);
		const f = new VideoFrame(canvas, { timestamp: i * 33333 });
		enc.encode(f, { keyFrame: i === 0 });
		f.close();
	}
	await enc.flush();
	let n = 0;
	const dec = new VideoDecoder({ output: (f) => { if (n++ % 2) f.close(); }, error: () => {} });
	dec.configure({ codec: "vp8" });
	for (const c of chunks) dec.decode(c);
	await dec.flush();
	return n === 10;
})()`

// sawProblem reports whether the page's console had a problem containing
// text, and takes it out: it was meant to happen.
func (p *person) sawProblem(text string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.problems)
	p.problems = slices.DeleteFunc(p.problems, func(pr consoleProblem) bool { return strings.Contains(pr.text, text) })
	return len(p.problems) < n
}

// traceFrames has a person's pages say where each VideoFrame that is
// collected unclosed came from (Chromium's own warning names none): frames
// from a decoder's output and from a track processor's reads, the only
// ones our pages hold, are followed until closed, or taken by a track
// generator's writer. A frame of ours collected unclosed is a console
// error, which fails the test. Chromium's own warning is then no longer
// one: it also comes of frames Chromium makes and drops itself, which the
// tracer never sees (seen under load in TestE2ETunnel with the tracer
// silent; TestFrameTracerNamesAFrameLeftUnclosed shows that it speaks).
func (p *person) traceFrames() {
	p.t.Helper()
	p.mu.Lock()
	p.tracedFrames = true
	p.mu.Unlock()
	if _, err := chromedp.Call(p.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: frameTracerJS}); err != nil {
		p.t.Fatal(err)
	}
}

// chromiumFrameWarning begins Chromium's warning of a VideoFrame collected
// unclosed.
const chromiumFrameWarning = "A VideoFrame was garbage collected without being closed"

const frameTracerJS = `(() => {
	if (typeof VideoFrame !== "function" || typeof VideoDecoder !== "function") return;
	const held = new WeakMap(); // frame -> {from, state}
	const collected = new FinalizationRegistry((h) => {
		if (h.state !== "closed") console.error("frame tracer: a VideoFrame from " + h.from + " was collected " + h.state);
	});
	const follow = (f, from) => {
		if (!(f instanceof VideoFrame) || held.has(f)) return;
		const h = { from: from + " [" + (new Error().stack || "").split("\n").slice(2, 5).map((l) => l.trim()).join(" < ") + "]", state: "unclosed" };
		held.set(f, h);
		collected.register(f, h);
	};
	const mark = (f, state) => {
		const h = held.get(f);
		if (h && h.state !== "closed") h.state = state;
	};
	const close = VideoFrame.prototype.close;
	VideoFrame.prototype.close = function () {
		mark(this, "closed");
		return close.call(this);
	};
	const write = WritableStreamDefaultWriter.prototype.write;
	WritableStreamDefaultWriter.prototype.write = function (chunk) {
		const done = write.call(this, chunk);
		if (chunk instanceof VideoFrame) {
			mark(chunk, "written, the write unsettled");
			done.then(() => mark(chunk, "closed"), () => mark(chunk, "unclosed after a failed write"));
		}
		return done;
	};
	const read = ReadableStreamDefaultReader.prototype.read;
	ReadableStreamDefaultReader.prototype.read = function () {
		return read.call(this).then((r) => {
			follow(r.value, "a track processor's read");
			return r;
		});
	};
	const Decoder = VideoDecoder;
	window.VideoDecoder = class extends Decoder {
		constructor(init) {
			super({ ...init, output: (f) => { follow(f, "a decoder's output"); init.output(f); } });
		}
	};
})()`
