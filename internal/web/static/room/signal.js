// The room's connection to the server (docs/protocol.md): JSON frames over a
// WebSocket, or over HTTP long polling where WebSockets are blocked. One
// Signal outlives its transports: it joins on every (re)connect with the
// session and the last message seen, reconnects with backoff, and keeps
// unacknowledged chat messages to send again with their same client_id.
//
// Events (on the Signal, an EventTarget):
//   "state"  detail {state, transport, retryAt, reason}
//   "joined" detail: the data of the joined frame (before the outbox is resent)
//   "frame"  detail: a server frame that answers no request of ours

const PROTOCOL = 1;
const BACKOFF_BASE = 500; // ms: the first retry; it doubles up to BACKOFF_MAX
const BACKOFF_MAX = 15000;
const WS_OPEN_TIMEOUT = 8000; // a WebSocket not open by then counts as failed
const WS_FAILURES_BEFORE_POLL = 2;
const REQUEST_TIMEOUT = 15000;
const PING_EVERY = 25000;
const POLL_TIMEOUT = 40000; // the server answers a poll within 25 s

// Close codes of the WebSocket and the equivalent reasons of a long poll.
const CLOSE_REASONS = { 1000: "left", 1001: "gone", 1012: "restarting", 4001: "replaced", 4002: "too_slow", 4003: "room_ended" };

// What a closed connection means for the page: final states do not reconnect.
const FINAL = { replaced: "replaced", left: "left", room_ended: "ended" };

export class SignalError extends Error {
  constructor(code, message, fields) {
    super(message || code);
    this.code = code;
    this.fields = fields || {};
  }
}

export class Signal extends EventTarget {
  // roomId: the room; joinData(): the extra fields of join (session_id,
  // last_seq, mic, cam, path); forceLongPoll skips the WebSocket.
  constructor({ roomId, joinData = () => ({}), forceLongPoll = false }) {
    super();
    this.roomId = roomId;
    this.joinData = joinData;
    this.forceLongPoll = forceLongPoll;
    this.state = "idle";
    this.transportName = "";
    this.clockOffset = 0; // server time minus local time, in ms
    this.clockRTT = Infinity;
    this.t = null; // the current transport
    this.joined = false;
    this.nextId = 1;
    this.pending = new Map(); // request id -> {resolve, reject, timer}
    this.outbox = new Map(); // client_id -> {body, resolve, reject, inflight}
    this.attempt = 0;
    this.wsFailures = 0;
    this.wsWorked = false;
    this.usePoll = forceLongPoll;
    this.retryTimer = 0;
    this.pingTimer = 0;
    this.retryAt = 0;
  }

  get base() {
    return `/rooms/${encodeURIComponent(this.roomId)}`;
  }

  start() {
    if (this.state !== "idle") return;
    this.setState("connecting");
    this.connect();
    addEventListener("online", () => this.retryNow());
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.retryNow();
    });
    // Leaving the page: a long poll says so at once; a WebSocket closes anyway.
    addEventListener("pagehide", () => {
      if (this.t) this.t.close("pagehide");
    });
    // Back from the back-forward cache: connect again.
    addEventListener("pageshow", (e) => {
      if (e.persisted && !this.t && !this.retryTimer && !["left", "replaced", "ended"].includes(this.state)) {
        this.joined = false;
        this.setState("reconnecting");
        this.connect();
      }
    });
  }

  // retryNow skips the wait of a pending reconnect.
  retryNow() {
    if (this.state === "reconnecting" && this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = 0;
      this.connect();
    }
  }

  // rejoin connects again after a final state (left, replaced, ended).
  rejoin() {
    if (!["left", "replaced", "ended"].includes(this.state)) return;
    this.attempt = 0;
    this.setState("connecting");
    this.connect();
  }

  setState(state, extra = {}) {
    this.state = state;
    this.retryAt = extra.retryAt || 0;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, transport: this.transportName, ...extra } }));
  }

  connect() {
    this.retryTimer = 0;
    const handlers = {
      onOpen: (t) => this.opened(t),
      onFrame: (t, f) => this.t === t && this.received(f),
      onClose: (t, info) => this.closed(t, info),
    };
    if (!this.usePoll) {
      try {
        this.t = new WSTransport(this.base, handlers);
        return;
      } catch {
        this.usePoll = true; // no WebSocket at all (or a policy refuses it)
      }
    }
    this.t = new PollTransport(this.base, handlers);
  }

  opened(t) {
    if (this.t !== t) return;
    this.transportName = t.name;
    const data = { ...this.joinData() };
    const sent = performance.now();
    this.request("join", data).then(
      (f) => {
        if (this.t !== t) return;
        this.joined = true;
        this.everJoined = true;
        this.attempt = 0;
        if (t.name === "websocket") {
          this.wsWorked = true;
          this.wsFailures = 0;
        }
        this.sample(f.data?.timer?.server_time, sent, performance.now());
        this.setState("open");
        this.dispatchEvent(new CustomEvent("joined", { detail: f.data }));
        for (const [clientId, e] of this.outbox) if (!e.inflight) this.sendChatEntry(clientId, e);
        this.schedulePing();
      },
      (err) => {
        // The server refused the join (restarting, say): try again later.
        if (this.t === t && err.code !== "disconnected") t.close("join failed");
      },
    );
  }

  closed(t, { reason, opened }) {
    if (this.t !== t) return;
    this.t = null;
    const wasJoined = this.joined;
    this.joined = false;
    clearTimeout(this.pingTimer);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new SignalError("disconnected", "the connection ended"));
      this.pending.delete(id);
    }
    for (const e of this.outbox.values()) e.inflight = false;
    if (FINAL[reason]) {
      this.setState(FINAL[reason], { reason });
      return;
    }
    if (reason === "pagehide") return;
    // A WebSocket that never gets as far as joining, twice, on a page where
    // none has worked yet: the network blocks it; long polling carries on.
    let delay = this.backoff();
    if (t.name === "websocket" && !wasJoined && !this.wsWorked) {
      this.wsFailures++;
      if (this.wsFailures >= WS_FAILURES_BEFORE_POLL) {
        this.usePoll = true;
        delay = 0;
      }
    }
    // Long polling that cannot even open, after giving up on the WebSocket:
    // the server is unreachable rather than the WebSocket blocked. Try the
    // WebSocket first again next time.
    if (t.name === "longpoll" && !opened && !this.forceLongPoll && !this.wsWorked && reason === "unreachable") {
      this.usePoll = false;
      this.wsFailures = 0;
    }
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.setState(this.everJoined ? "reconnecting" : "connecting", { retryAt: Date.now() + delay, reason });
  }

  backoff() {
    const d = Math.min(BACKOFF_MAX, BACKOFF_BASE * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 10);
    return Math.round(d / 2 + (Math.random() * d) / 2); // jitter: half to all of it
  }

  received(f) {
    if (!f || typeof f !== "object" || f.v !== PROTOCOL || typeof f.type !== "string") return;
    if (f.id && this.pending.has(f.id)) {
      const p = this.pending.get(f.id);
      this.pending.delete(f.id);
      clearTimeout(p.timer);
      if (f.type === "error") p.reject(new SignalError(f.data?.code || "internal", f.data?.message, f.data?.fields));
      else p.resolve(f);
      return;
    }
    this.dispatchEvent(new CustomEvent("frame", { detail: f }));
  }

  // request sends a frame with an id and resolves with the answering frame
  // (or rejects with a SignalError: the server's error, "disconnected" or
  // "timeout").
  request(type, data, { timeout = REQUEST_TIMEOUT } = {}) {
    return new Promise((resolve, reject) => {
      const t = this.t;
      if (!t || !t.isOpen()) {
        reject(new SignalError("disconnected", "not connected"));
        return;
      }
      const id = String(this.nextId++);
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) reject(new SignalError("timeout", "the server did not answer"));
      }, timeout);
      this.pending.set(id, { resolve, reject, timer });
      t.send(data === undefined ? { v: PROTOCOL, type, id } : { v: PROTOCOL, type, id, data });
    });
  }

  // notify sends a frame that needs no answer, if connected.
  notify(type, data) {
    if (!this.joined || !this.t) return false;
    this.t.send(data === undefined ? { v: PROTOCOL, type } : { v: PROTOCOL, type, data });
    return true;
  }

  // sendChat sends a message and resolves with the chat.ack data once it is
  // stored. Until then it is kept, and sent again after every reconnect with
  // the same client_id, so that it is stored exactly once. It rejects only
  // when the server refuses it (invalid, rate_limited, ...).
  sendChat(clientId, body) {
    return new Promise((resolve, reject) => {
      const e = { body, resolve, reject, inflight: false };
      this.outbox.set(clientId, e);
      if (this.joined) this.sendChatEntry(clientId, e);
    });
  }

  // forgetChat drops an outbox message that arrived some other way (in the
  // catch-up of a join after its acknowledgement was lost).
  forgetChat(clientId, message) {
    const e = this.outbox.get(clientId);
    if (!e) return;
    this.outbox.delete(clientId);
    e.resolve({ client_id: clientId, message_id: message.id, seq: message.seq, created_at: message.created_at, message });
  }

  sendChatEntry(clientId, e) {
    e.inflight = true;
    this.request("chat.send", { client_id: clientId, body: e.body }).then(
      (f) => {
        if (this.outbox.get(clientId) !== e) return;
        this.outbox.delete(clientId);
        e.resolve(f.data);
      },
      (err) => {
        e.inflight = false;
        if (this.outbox.get(clientId) !== e) return;
        // Kept for the next connection: it was never answered, or the server
        // is restarting. Anything else is the server's final word.
        if (["disconnected", "timeout", "conflict", "unavailable"].includes(err.code)) return;
        this.outbox.delete(clientId);
        e.reject(err);
      },
    );
  }

  // leave says goodbye; the server answers and then closes the connection
  // (a connection that does not close soon after is closed here).
  async leave() {
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    const t = this.t;
    if (!this.joined || !t) {
      this.t = null;
      if (t) t.close("left");
      this.setState("left", { reason: "left" });
      return;
    }
    try {
      await this.request("leave", undefined, { timeout: 3000 });
    } catch {
      // closing is what matters
    }
    if (this.t !== t) return;
    await new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.removeEventListener("state", done);
        resolve();
      };
      const timer = setTimeout(done, 2000);
      this.addEventListener("state", done);
    });
    if (this.t === t) t.close("left");
  }

  schedulePing() {
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => this.ping(), PING_EVERY);
  }

  // ping checks that the connection is alive and measures the clock offset.
  async ping() {
    const t = this.t;
    if (!t || !this.joined) return;
    const sent = performance.now();
    try {
      const f = await this.request("ping", undefined, { timeout: 10000 });
      this.sample(f.data?.server_time, sent, performance.now());
      this.schedulePing();
    } catch (err) {
      if (err.code === "timeout" && this.t === t) t.close("no pong"); // a dead connection
    }
  }

  // sample takes a server time seen between two local instants; the
  // estimate from the fastest round trip wins.
  sample(serverTime, sent, received) {
    const at = Date.parse(serverTime);
    if (Number.isNaN(at)) return;
    const rtt = received - sent;
    if (rtt > this.clockRTT) return;
    this.clockRTT = rtt;
    const localMid = Date.now() - (performance.now() - (sent + received) / 2);
    this.clockOffset = at - localMid;
  }

  // serverNow is the server's clock, as well as this page knows it.
  serverNow() {
    return Date.now() + this.clockOffset;
  }
}

// WSTransport is one WebSocket connection.
class WSTransport {
  constructor(base, { onOpen, onFrame, onClose }) {
    this.name = "websocket";
    const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${base}/signal`;
    const ws = new WebSocket(url);
    this.ws = ws;
    this.open = false;
    this.done = false;
    this.finish = (info) => {
      if (this.done) return;
      this.done = true;
      clearTimeout(this.openTimer);
      onClose(this, info);
    };
    this.openTimer = setTimeout(() => {
      if (!this.open) {
        ws.close();
        this.finish({ reason: "timeout", opened: false });
      }
    }, WS_OPEN_TIMEOUT);
    ws.onopen = () => {
      this.open = true;
      clearTimeout(this.openTimer);
      onOpen(this);
    };
    ws.onmessage = (e) => {
      let f;
      try {
        f = JSON.parse(e.data);
      } catch {
        return;
      }
      onFrame(this, f);
    };
    ws.onerror = () => {}; // a close follows
    ws.onclose = (e) => this.finish({ reason: CLOSE_REASONS[e.code] || e.reason || "gone", code: e.code, opened: this.open });
  }

  isOpen() {
    return this.open && !this.done && this.ws.readyState === WebSocket.OPEN;
  }

  send(frame) {
    if (this.isOpen()) this.ws.send(JSON.stringify(frame));
  }

  close(reason) {
    if (this.done) return;
    try {
      this.ws.close(1000);
    } catch {
      // already closing
    }
    this.finish({ reason, opened: this.open });
  }
}

// PollTransport is one long-poll connection: a POST opens it, a loop of GETs
// brings the frames down, POSTs carry them up (one at a time, in order).
class PollTransport {
  constructor(base, { onOpen, onFrame, onClose }) {
    this.name = "longpoll";
    this.base = base;
    this.onFrame = onFrame;
    this.open = false;
    this.done = false;
    this.queue = [];
    this.sending = false;
    this.after = 0;
    this.abort = new AbortController();
    this.finish = (info) => {
      if (this.done) return;
      this.done = true;
      this.abort.abort();
      onClose(this, info);
    };
    this.start(onOpen);
  }

  async start(onOpen) {
    let res;
    try {
      res = await fetch(`${this.base}/poll`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: "{}",
        signal: this.abort.signal,
      });
    } catch {
      this.finish({ reason: "unreachable", opened: false });
      return;
    }
    if (res.status !== 201) {
      this.finish({ reason: res.status === 401 ? "signed_out" : "refused", status: res.status, opened: false });
      return;
    }
    const { conn } = await res.json().catch(() => ({}));
    if (!conn || this.done) {
      this.finish({ reason: "refused", opened: false });
      return;
    }
    this.conn = `${this.base}/poll/${encodeURIComponent(conn)}`;
    this.open = true;
    onOpen(this);
    this.loop();
  }

  async loop() {
    while (!this.done) {
      let ans;
      const timeout = setTimeout(() => this.finish({ reason: "gone", opened: true }), POLL_TIMEOUT);
      try {
        const res = await fetch(`${this.conn}?after=${this.after}`, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          cache: "no-store",
          signal: this.abort.signal,
        });
        if (!res.ok) throw new Error(`poll: ${res.status}`);
        ans = await res.json();
      } catch {
        clearTimeout(timeout);
        this.finish({ reason: "gone", opened: true });
        return;
      }
      clearTimeout(timeout);
      if (this.done) return;
      if (typeof ans.next === "number") this.after = ans.next;
      for (const f of ans.frames || []) {
        if (this.done) return;
        this.onFrame(this, f);
      }
      if (ans.closed) {
        this.serverClosed = true; // the server forgets it: no DELETE
        this.finish({ reason: ans.closed, opened: true });
        return;
      }
    }
  }

  isOpen() {
    return this.open && !this.done;
  }

  send(frame) {
    if (!this.isOpen()) return;
    this.queue.push(frame);
    this.flush();
  }

  // flush posts what is queued, one POST at a time so that frames keep
  // their order; frames queued meanwhile go together as an array.
  async flush() {
    if (this.sending || this.queue.length === 0 || this.done) return;
    this.sending = true;
    const batch = this.queue.splice(0);
    try {
      const res = await fetch(this.conn, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(batch.length === 1 ? batch[0] : batch),
        signal: this.abort.signal,
      });
      if (res.status !== 204) throw new Error(`send: ${res.status}`);
    } catch {
      this.sending = false;
      this.finish({ reason: "gone", opened: true });
      return;
    }
    this.sending = false;
    this.flush();
  }

  close(reason) {
    if (this.done) return;
    const conn = this.conn;
    this.finish({ reason, opened: this.open });
    if (conn && !this.serverClosed) {
      // keepalive lets it go out while the page unloads
      fetch(conn, { method: "DELETE", credentials: "same-origin", keepalive: true }).catch(() => {});
    }
  }
}
