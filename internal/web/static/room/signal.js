// The room's connection to the server (docs/protocol.md): JSON frames over a
// WebSocket, or over HTTP long polling where WebSockets are blocked. One
// Signal outlives its transports: it joins on every (re)connect with the
// session and the last message seen, reconnects with backoff, and keeps
// unacknowledged chat messages (in sessionStorage too, so that a reload does
// not lose them) to send again with their same client_id.
//
// Events (on the Signal, an EventTarget):
//   "state"  detail {state, transport, retryAt, reason, message}
//   "joined" detail: the data of the joined frame (before the outbox is resent)
//   "frame"  detail: a server frame that answers no request of ours

const PROTOCOL = 1;
const BACKOFF_BASE = 500; // ms: the first retry; it doubles up to BACKOFF_MAX
const BACKOFF_MAX = 15000;
const WS_OPEN_TIMEOUT = 8000; // a WebSocket not open by then counts as failed
const WS_FAILURES_BEFORE_POLL = 2; // on a page where no WebSocket has worked yet
const WS_FAILURES_AFTER_WORKED = 3; // once one has: the network changed, or a proxy now drops them
const WS_SHORT_LIVED = 30000; // a WebSocket that dies sooner after joining counts as failed
const WS_RETRY_AFTER = 5 * 60000; // long polling that has worked this long tries the WebSocket again
const WS_RETRY_MAX = 40 * 60000; // and, while the WebSocket stays blocked, ever less often, down to this
const REQUEST_TIMEOUT = 15000;
const CHAT_TRIES = 2; // chat.send on one connection: once, and again after a timeout
const PING_EVERY = 25000;
const POLL_TIMEOUT = 40000; // the server answers a poll within 25 s
const OUTBOX_KEY = "rapport.outbox."; // + the room id, in sessionStorage
const OUTBOX_MAX_AGE = 12 * 3600 * 1000; // a message older than this was meant for another call

// Close codes of the WebSocket and the equivalent reasons of a long poll.
const CLOSE_REASONS = { 1000: "left", 1001: "gone", 1012: "restarting", 4001: "replaced", 4002: "too_slow", 4003: "room_ended", 4004: "signed_out" };

// What a closed connection means for the page: final states do not reconnect.
// signed_out: the session cookie is gone (401); closed: the server does not
// let this page into the room (403: not open now, or 404: not ours).
const FINAL = { replaced: "replaced", left: "left", room_ended: "ended", signed_out: "signed_out", closed: "closed" };

// isFinal reports whether a state of the Signal waits for the person rather
// than reconnecting by itself.
export function isFinal(state) {
  return Object.values(FINAL).includes(state);
}

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
    this.probe = null; // a WebSocket trying to take over from long polling
    this.joined = false;
    this.joinedAt = 0; // performance.now() of the last join
    this.nextId = 1;
    this.pending = new Map(); // request id -> {resolve, reject, timer, t}
    this.outbox = new Map(); // client_id -> {body, at, resolve, reject, on, tries}
    this.stored = new StoredOutbox(roomId);
    this.attempt = 0;
    this.wsFailures = 0;
    this.wsWorked = false;
    this.usePoll = forceLongPoll;
    this.retryTimer = 0;
    this.pingTimer = 0;
    this.probeTimer = 0;
    this.probeWait = WS_RETRY_AFTER;
    this.retryAt = 0;
    this.leaving = false; // leave() was called: the connection ends as "left"
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
      this.stopProbe();
      if (this.t) this.t.close("pagehide");
    });
    // Back from the back-forward cache: connect again.
    addEventListener("pageshow", (e) => {
      if (e.persisted && !this.t && !this.retryTimer && !isFinal(this.state)) {
        this.joined = false;
        this.setState("reconnecting");
        this.connect();
      }
    });
  }

  // retryNow skips the wait of a pending (re)connect.
  retryNow() {
    if ((this.state === "reconnecting" || this.state === "connecting") && this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = 0;
      this.connect();
    }
  }

  // rejoin connects again after a final state (left, replaced, ended, ...).
  rejoin() {
    if (!isFinal(this.state)) return;
    this.leaving = false;
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
    if (!this.usePoll) {
      try {
        this.t = this.transport(WSTransport);
        return;
      } catch {
        this.usePoll = true; // no WebSocket at all (or a policy refuses it)
      }
    }
    this.t = this.transport(PollTransport);
  }

  // transport opens a connection of a kind, reporting back to this Signal
  // as the current transport or as the probe.
  transport(Kind) {
    return new Kind(this.base, {
      onOpen: (t) => this.opened(t),
      onFrame: (t, f) => (this.t === t || this.probe === t) && this.received(f),
      onClose: (t, info) => (this.probe === t ? this.probeClosed() : this.closed(t, info)),
    });
  }

  opened(t) {
    const upgrade = this.probe === t;
    if (this.t !== t && !upgrade) return;
    if (upgrade) t.joining = true;
    else this.transportName = t.name;
    const data = { ...this.joinData() };
    const sent = performance.now();
    this.request("join", data, { via: t }).then(
      (f) => {
        if (upgrade && this.probe === t) this.swap(t);
        if (this.t !== t) return;
        this.transportName = t.name;
        this.joined = true;
        this.joinedAt = performance.now();
        this.everJoined = true;
        this.attempt = 0;
        if (t.name === "websocket") {
          this.wsWorked = true;
          this.usePoll = this.forceLongPoll;
        } else {
          this.scheduleProbe();
        }
        this.sample(f.data?.timer?.server_time, sent, performance.now());
        this.setState("open");
        this.dispatchEvent(new CustomEvent("joined", { detail: f.data }));
        // What is not yet sent on this connection goes now; the server
        // stores each client_id once, whatever went before.
        for (const [clientId, e] of this.outbox) if (e.on !== t) this.sendChatEntry(clientId, e);
        this.schedulePing();
      },
      (err) => {
        // The server refused the join (restarting, say): try again later.
        if ((this.t === t || this.probe === t) && err.code !== "disconnected") t.close("join failed");
      },
    );
  }

  closed(t, { reason, opened, message }) {
    if (this.t !== t) return;
    this.t = null;
    const wasJoined = this.joined;
    this.joined = false;
    clearTimeout(this.pingTimer);
    this.rejectPending(t);
    if (this.leaving) reason = "left"; // a connection lost while leaving does not come back
    // The server moved us to the WebSocket that is joining: its answer
    // decides what comes next (see probeClosed).
    if (reason === "replaced" && this.probe?.joining) return;
    this.stopProbe();
    if (FINAL[reason]) {
      this.setState(FINAL[reason], { reason, message });
      return;
    }
    if (reason === "pagehide") return;
    let delay = this.backoff();
    if (t.name === "websocket" && this.wsFailed(wasJoined, reason)) delay = 0;
    // A long-poll connection that the server has forgotten (nobody polled
    // it for a while, or a newer one of ours took its place): open another
    // at once. Only a connection that never joined waits, so as not to loop.
    if (reason === "conn_ended" && wasJoined) delay = 0;
    // Long polling that cannot even open: the server is unreachable rather
    // than the WebSocket blocked. Try the WebSocket first again next time.
    if (t.name === "longpoll" && !opened && !this.forceLongPoll && reason === "unreachable") {
      this.usePoll = false;
      this.wsFailures = 0;
    }
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.setState(this.everJoined ? "reconnecting" : "connecting", { retryAt: Date.now() + delay, reason });
  }

  // wsFailed counts a closed WebSocket that did not get as far as joining,
  // or died soon after without the server saying why. A few in a row mean
  // that the network blocks them (two where none has worked yet, three where
  // one had): it reports whether long polling takes over now.
  wsFailed(wasJoined, reason) {
    const lived = wasJoined ? performance.now() - this.joinedAt : 0;
    if (wasJoined && (lived >= WS_SHORT_LIVED || reason === "restarting" || reason === "too_slow")) {
      this.wsFailures = 0;
      return false;
    }
    this.wsFailures++;
    if (this.wsFailures < (this.wsWorked ? WS_FAILURES_AFTER_WORKED : WS_FAILURES_BEFORE_POLL)) return false;
    this.usePoll = true;
    return true;
  }

  // scheduleProbe tries the WebSocket again once long polling has worked for
  // a while: what blocked it (a network, a proxy, a moment when the server
  // was away) may be gone. A blocked probe costs nothing visible, and is
  // tried again ever less often.
  scheduleProbe() {
    clearTimeout(this.probeTimer);
    this.probeTimer = 0;
    if (this.forceLongPoll || typeof WebSocket === "undefined") return;
    this.probeTimer = setTimeout(() => this.startProbe(), this.probeWait);
  }

  startProbe() {
    this.probeTimer = 0;
    if (!this.joined || this.t?.name !== "longpoll" || this.probe) return;
    try {
      this.probe = this.transport(WSTransport);
    } catch {
      // refused outright: long polling it is
    }
  }

  // probeClosed: the WebSocket did not get as far as joining. If the long
  // poll gave way to it meanwhile, connect again as after any drop.
  probeClosed() {
    this.probe = null;
    this.probeWait = Math.min(this.probeWait * 2, WS_RETRY_MAX);
    if (!this.t && !this.retryTimer && this.state === "open") {
      this.usePoll = true;
      this.retryTimer = setTimeout(() => this.connect(), 0);
      this.setState("reconnecting", { reason: "gone" });
      return;
    }
    if (this.joined && this.t?.name === "longpoll") this.scheduleProbe();
  }

  stopProbe() {
    clearTimeout(this.probeTimer);
    this.probeTimer = 0;
    const p = this.probe;
    this.probe = null;
    if (p) p.close("probe");
  }

  // swap makes a probe that has joined the connection. The server has
  // already moved us to it (the long poll was told "replaced"), so the long
  // poll is closed without a word to the page; what was asked on it is asked
  // again on the WebSocket.
  swap(t) {
    const old = this.t;
    this.probe = null;
    this.t = t;
    this.joined = false;
    this.probeWait = WS_RETRY_AFTER;
    this.wsFailures = 0;
    clearTimeout(this.pingTimer);
    if (old) {
      this.rejectPending(old);
      old.close("upgraded");
    }
  }

  // rejectPending fails the requests still waiting for an answer on t.
  rejectPending(t) {
    for (const [id, p] of this.pending) {
      if (p.t !== t) continue;
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new SignalError("disconnected", "the connection ended"));
    }
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
    // An acknowledgement whose request had already timed out: the message
    // is stored all the same.
    if (f.type === "chat.ack" && this.outbox.has(f.data?.client_id)) {
      this.settleChat(f.data.client_id, (e) => e.resolve(f.data));
      return;
    }
    this.dispatchEvent(new CustomEvent("frame", { detail: f }));
  }

  // request sends a frame with an id and resolves with the answering frame
  // (or rejects with a SignalError: the server's error, "disconnected" or
  // "timeout"). It goes on the current transport, or on `via`.
  request(type, data, { timeout = REQUEST_TIMEOUT, via = this.t } = {}) {
    return new Promise((resolve, reject) => {
      const t = via;
      if (!t || !t.isOpen()) {
        reject(new SignalError("disconnected", "not connected"));
        return;
      }
      const id = String(this.nextId++);
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) reject(new SignalError("timeout", "the server did not answer"));
      }, timeout);
      this.pending.set(id, { resolve, reject, timer, t });
      t.send(data === undefined ? { v: PROTOCOL, type, id } : { v: PROTOCOL, type, id, data });
    });
  }

  // notify sends a frame that needs no answer, if connected.
  notify(type, data) {
    if (!this.joined || !this.t) return false;
    this.t.send(data === undefined ? { v: PROTOCOL, type } : { v: PROTOCOL, type, data });
    return true;
  }

  // savedChat returns the messages that an earlier page of this tab had not
  // yet seen stored ({client_id, body, at}, oldest first): the chat shows
  // them and passes them to sendChat again.
  savedChat() {
    const now = Date.now();
    return this.stored.load().filter((m) => now - m.at < OUTBOX_MAX_AGE && !this.outbox.has(m.client_id));
  }

  // sendChat sends a message and resolves with the chat.ack data once it is
  // stored. Until then it is kept, in sessionStorage too, and sent again
  // after every reconnect (and after a reload) with the same client_id, so
  // that it is stored exactly once. It rejects only when the server refuses
  // it (invalid, rate_limited, ...). at: when it was written, in ms.
  sendChat(clientId, body, at = Date.now()) {
    return new Promise((resolve, reject) => {
      const e = { body, at, resolve, reject, on: null, tries: 0 };
      this.outbox.set(clientId, e);
      this.stored.save(this.outbox);
      if (this.joined) this.sendChatEntry(clientId, e);
    });
  }

  // forgetChat drops an outbox message that arrived some other way (in the
  // catch-up of a join after its acknowledgement was lost).
  forgetChat(clientId, message) {
    this.settleChat(clientId, (e) =>
      e.resolve({ client_id: clientId, message_id: message.id, seq: message.seq, created_at: message.created_at, message }),
    );
  }

  // settleChat takes a message out of the outbox (and the stored copy) and
  // gives the outcome to whoever sent it.
  settleChat(clientId, settle) {
    const e = this.outbox.get(clientId);
    if (!e) return;
    this.outbox.delete(clientId);
    this.stored.save(this.outbox);
    settle(e);
  }

  // sendChatEntry sends an outbox message on the current connection: once,
  // and once more if the first got no answer in time (the frame or its
  // answer may have been lost on a connection that still seems alive).
  // After that it waits for a late acknowledgement or the next connection.
  sendChatEntry(clientId, e) {
    const t = this.t;
    if (e.on !== t) {
      e.on = t;
      e.tries = 0;
    }
    e.tries++;
    this.request("chat.send", { client_id: clientId, body: e.body }).then(
      (f) => {
        if (this.outbox.get(clientId) === e) this.settleChat(clientId, (x) => x.resolve(f.data));
      },
      (err) => {
        if (this.outbox.get(clientId) !== e) return;
        if (err.code === "timeout") {
          if (this.t === t && this.joined && e.on === t && e.tries < CHAT_TRIES) this.sendChatEntry(clientId, e);
          return;
        }
        // Kept for the next connection: it was never answered, or the server
        // is restarting. Anything else is the server's final word.
        if (["disconnected", "conflict", "unavailable"].includes(err.code)) return;
        this.settleChat(clientId, (x) => x.reject(err));
      },
    );
  }

  // leave says goodbye; the server answers and then closes the connection
  // (a connection that does not close soon after is closed here).
  async leave() {
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    this.stopProbe();
    this.leaving = true; // whatever happens to the connection meanwhile, the end is "left"
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
    if (this.t !== t) {
      if (this.state !== "left") this.setState("left", { reason: "left" });
      return;
    }
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

// StoredOutbox keeps the unacknowledged chat messages of a room in the
// tab's sessionStorage: a reload (or a crash of the tab) while a message is
// "Sending…" does not lose it, and another tab does not send it too. Storage
// that is off or full leaves the copy in memory, as before.
class StoredOutbox {
  constructor(roomId) {
    this.key = OUTBOX_KEY + roomId;
  }

  load() {
    let list;
    try {
      list = JSON.parse(sessionStorage.getItem(this.key) || "[]");
    } catch {
      return [];
    }
    if (!Array.isArray(list)) return [];
    return list.filter((m) => m && typeof m.client_id === "string" && m.client_id !== "" && typeof m.body === "string" && Number.isFinite(m.at));
  }

  save(outbox) {
    const list = [...outbox].map(([clientId, e]) => ({ client_id: clientId, body: e.body, at: e.at }));
    try {
      if (list.length) sessionStorage.setItem(this.key, JSON.stringify(list));
      else sessionStorage.removeItem(this.key);
    } catch {
      // no storage here: the messages are still kept in memory
    }
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
      this.finish(await refused(res));
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
      let res, ans;
      const timeout = setTimeout(() => this.finish({ reason: "gone", opened: true }), POLL_TIMEOUT);
      try {
        res = await fetch(`${this.conn}?after=${this.after}`, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          cache: "no-store",
          signal: this.abort.signal,
        });
        if (res.ok) ans = await res.json();
      } catch {
        clearTimeout(timeout);
        this.finish({ reason: "gone", opened: true });
        return;
      }
      clearTimeout(timeout);
      if (this.done) return;
      if (!res.ok) {
        this.finish(lost(res.status));
        return;
      }
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
      if (res.status === 200) {
        // the server no longer knows this connection: nothing was taken
        const ans = await res.json().catch(() => ({}));
        this.sending = false;
        this.finish({ reason: ans.closed || "conn_ended", opened: true });
        return;
      }
      if (res.status !== 204) {
        this.sending = false;
        this.finish(lost(res.status));
        return;
      }
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

// refused says why opening a long poll was refused: signed out (401), or
// not let into the room (403: it is not open now; 404: it is not ours), with
// the server's own words; anything else is worth another try.
async function refused(res) {
  if (res.status === 401) return { reason: "signed_out", opened: false };
  if (res.status !== 403 && res.status !== 404) return { reason: "refused", status: res.status, opened: false };
  let message = "";
  try {
    message = (await res.json())?.error?.message || "";
  } catch {
    // no JSON: the state says enough
  }
  return { reason: "closed", status: res.status, message, opened: false };
}

// lost says what an error answer on an open long poll means: signed out
// (401), or the server no longer knows the connection (404: it ended, and a
// new one is opened); anything else is a connection lost.
function lost(status) {
  if (status === 401) return { reason: "signed_out", status, opened: true };
  if (status === 404) return { reason: "conn_ended", status, opened: true };
  return { reason: "gone", status, opened: true };
}
