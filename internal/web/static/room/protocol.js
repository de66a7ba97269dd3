// @ts-check
// The room's wire protocol as the browser sees it (docs/protocol.md): the
// version, the shape of every frame and of the data the page reads, and
// the two pure steps around them: building a frame to send and checking a
// frame received. The typedefs are what the type checker holds the other
// modules to; nothing here touches the page.

/** The protocol version this page speaks. */
export const PROTOCOL = 1;

/**
 * A frame, either way: `id` makes a client frame a request, and the
 * server's answer carries the same id.
 * @typedef {object} Frame
 * @property {number} v
 * @property {string} type
 * @property {string} [id]
 * @property {any} [data]
 */

/**
 * A person (or the AI's seat, user 0) in the room.
 * @typedef {object} Participant
 * @property {number} user_id
 * @property {string} name
 * @property {string} [role] "coach", "client" or "ai"
 * @property {boolean} [mic]
 * @property {boolean} [cam]
 * @property {boolean} [screen]
 * @property {string} [path] none, sfu-udp, sfu-tcp, turn-udp, turn-tcp, turn-tls, p2p, tunnel
 */

/**
 * What the page tells the others of its devices and network path.
 * @typedef {object} Presence
 * @property {boolean} mic
 * @property {boolean} cam
 * @property {boolean} screen
 * @property {string} path
 */

/**
 * The call timer, from joined and timer frames.
 * @typedef {object} TimerInfo
 * @property {string|null} [started_at]
 * @property {string} [scheduled_start]
 * @property {string} [scheduled_end]
 * @property {string} [server_time]
 */

/**
 * A stored chat message.
 * @typedef {object} ChatMessage
 * @property {number} id
 * @property {number} session_id
 * @property {number} seq
 * @property {number} [sender_id]
 * @property {string} [sender_name]
 * @property {"text"|"system"|"ai"} kind
 * @property {string} body
 * @property {string} [client_id]
 * @property {string} created_at
 */

/**
 * The answer to chat.send once the message is stored.
 * @typedef {object} ChatAck
 * @property {string} client_id
 * @property {number} message_id
 * @property {number} seq
 * @property {string} created_at
 * @property {ChatMessage} [message]
 */

/**
 * Whether the server has an AI co-coach, and whether it answers.
 * @typedef {object} AIStatus
 * @property {boolean} enabled
 * @property {boolean} [available]
 * @property {string} [message]
 */

/**
 * The AI in the call: the ai.floor frame, and joined's floor.
 * @typedef {object} Floor
 * @property {boolean} [present]
 * @property {string} [mode] listen, on_request or co_facilitate
 * @property {boolean} [consent]
 * @property {boolean} [speaking]
 * @property {boolean} [handed]
 * @property {boolean} [available]
 * @property {boolean} [transcript]
 */

/**
 * The answer to join.
 * @typedef {object} Joined
 * @property {Participant} [you]
 * @property {Participant[]} [participants]
 * @property {{id: number}} [session]
 * @property {TimerInfo} [timer]
 * @property {ChatMessage[]} [messages]
 * @property {boolean} [more]
 * @property {{user_id: number, name: string, online: boolean}} [waiting_for]
 * @property {RTCIceServer[]} [ice_servers]
 * @property {"sfu"|"p2p"} [call_mode]
 * @property {AIStatus} [ai]
 * @property {Floor} [floor]
 */

/**
 * The data of an error frame.
 * @typedef {object} ErrorData
 * @property {string} code
 * @property {string} [message]
 * @property {Object<string, string>} [fields]
 */

/**
 * buildFrame makes a frame to send: with an id it is a request; data is
 * left out when there is none, as the server expects.
 * @param {string} type
 * @param {any} [data]
 * @param {string} [id]
 * @returns {Frame}
 */
export function buildFrame(type, data, id) {
  /** @type {Frame} */
  const f = { v: PROTOCOL, type };
  if (id !== undefined) f.id = id;
  if (data !== undefined) f.data = data;
  return f;
}

/**
 * parseFrame reads a frame from the wire (text or an already decoded
 * value): anything that is not a frame of this protocol is null.
 * @param {unknown} raw
 * @returns {Frame|null}
 */
export function parseFrame(raw) {
  let f = raw;
  if (typeof raw === "string") {
    try {
      f = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  if (!f || typeof f !== "object" || Array.isArray(f)) return null;
  const frame = /** @type {Frame} */ (f);
  if (frame.v !== PROTOCOL || typeof frame.type !== "string") return null;
  return frame;
}
