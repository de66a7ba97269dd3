// @ts-check
// Who else is in the call, and whether it goes directly between the two
// browsers (docs/protocol.md, "Peer-to-peer"): only in a room whose call
// mode is "p2p", with one other person at most, no AI co-coach (it is a
// participant of the SFU: with it in the call the browsers go through the
// SFU too, or it would hear nobody), and while direct has not failed in
// this visit. Pure (tested with node): the Call (media.js) does what these
// decisions say.

/** @typedef {import("./protocol.js").Participant} Participant */
/** @typedef {import("./p2p.js").DirectSignal} DirectSignal */

/**
 * What the call does when someone arrives: connect to them directly
 * ("direct"), leave peer-to-peer for the SFU ("fallback"), tell them not
 * to wait for a direct connection ("decline"), or nothing ("").
 * @typedef {"direct"|"fallback"|"decline"|""} Arrival
 */

/**
 * What the call does with the other browser's signaling: go to the SFU
 * ("fallback"), decline it ("decline"), drop it (""), start a direct
 * connection anew and take it ("restart"), or take it on the one there is
 * ("receive").
 * @typedef {"fallback"|"decline"|"restart"|"receive"|""} SignalAction
 */

// CallPeers are the other people of the call, as the Call's peer-to-peer
// decisions see them.
export class CallPeers {
  constructor() {
    this.me = 0;
    /** @type {Set<number>} the other people (not the AI) in the room */
    this.others = new Set();
    this.aiPresent = false;
    this.callMode = "sfu";
    this.directFailed = false; // peer-to-peer did not work: the SFU for this visit
  }

  /**
   * joined starts over from a joined frame.
   * @param {import("./protocol.js").Joined} j
   */
  joined(j) {
    const people = j.participants || [];
    this.callMode = j.call_mode || "sfu";
    this.me = j.you?.user_id || 0;
    this.others = new Set(people.filter((p) => p.role !== "ai" && p.user_id !== this.me).map((p) => p.user_id));
    this.aiPresent = people.some((p) => p.role === "ai");
    this.directFailed = false;
  }

  /**
   * wantsDirect says whether this call connects the browsers directly.
   * @param {string} media the ?media= of the page ("tunnel" is never direct)
   * @returns {boolean}
   */
  wantsDirect(media) {
    return this.callMode === "p2p" && !this.directFailed && media !== "tunnel" && this.others.size <= 1 && !this.aiPresent;
  }

  /** The other person, when there is one. */
  get other() {
    return [...this.others][0];
  }

  /**
   * polite says whether we answer the other's offer rather than offer: the
   * one with the lower user ID offers.
   * @param {number} other
   * @returns {boolean}
   */
  polite(other) {
    return this.me > other;
  }

  /**
   * arrived counts someone who joined, and says what the call does.
   * @param {Participant} p
   * @param {{direct: boolean, ready: boolean, media: string}} now whether the call is direct now, whether the devices are open
   * @returns {Arrival}
   */
  arrived(p, { direct, ready, media }) {
    if (p.role === "ai") {
      this.aiPresent = true;
      return direct ? "fallback" : ""; // everyone through the SFU, where the AI is
    }
    if (p.user_id === this.me) return "";
    this.others.add(p.user_id);
    if (this.callMode !== "p2p" || !ready) return "";
    if (this.wantsDirect(media)) return "direct"; // we offer, or wait for their offer
    return direct ? "fallback" : "decline"; // a third person: everyone through the SFU
  }

  /**
   * signaled says what to do with the other browser's signaling.
   * @param {number} from
   * @param {DirectSignal} data
   * @param {{directWith: number|undefined, media: string}} now whom the call is direct with now
   * @returns {SignalAction}
   */
  signaled(from, data, { directWith, media }) {
    if (data.fallback) return "fallback";
    if (!this.wantsDirect(media)) return data.fresh ? "decline" : ""; // we cannot (or no longer) connect directly
    if (data.fresh || directWith !== from) {
      this.others.add(from);
      return "restart";
    }
    return "receive";
  }
}
