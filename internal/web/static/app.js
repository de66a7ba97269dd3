// Rapport's page script: shows times in the viewer's time zone, fills the
// time-zone fields of forms, and small conveniences. No framework, no build.

import { el } from "./room/dom.js";

const profileZone = document.body.dataset.tz || "";
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const zone = profileZone || browserZone;

const formats = {
  datetime: { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" },
  date: { weekday: "short", day: "numeric", month: "short", year: "numeric" },
  time: { hour: "2-digit", minute: "2-digit" },
  moment: { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" },
};

// Parts of a page made in the browser (messages.js) ask for their times
// to be shown like the server's.
document.addEventListener("rapport:localize", (e) => localizeTimes(/** @type {CustomEvent} */ (e).detail || document));

function localizeTimes(root = document) {
  for (const t of root.querySelectorAll("time[datetime][data-format]")) {
    const when = new Date(t.getAttribute("datetime"));
    if (Number.isNaN(when.getTime())) continue;
    const opts = { ...(formats[t.dataset.format] || formats.datetime), timeZone: zone };
    try {
      t.textContent = new Intl.DateTimeFormat(undefined, opts).format(when);
      t.title = when.toISOString();
    } catch {
      // an unknown zone leaves the server's UTC text in place
    }
  }
}

function fillZoneFields() {
  for (const input of document.querySelectorAll("input[data-tz-input][data-auto]")) {
    input.value = browserZone;
  }
  for (const shown of document.querySelectorAll("[data-tz-show]")) {
    const input = document.querySelector("input[data-tz-input]");
    if (input) shown.textContent = input.value;
  }
  for (const label of document.querySelectorAll("[data-tz-label]")) label.textContent = zone;
  const list = document.querySelector("datalist[data-zones]");
  if (list && Intl.supportedValuesOf) {
    for (const z of Intl.supportedValuesOf("timeZone")) list.append(new Option(z));
  }
}

// confirmRoles asks before a role changes: choosing another role in a
// users page's select shows "Make Ann a coach?" with Change role and Keep;
// nothing is saved on the choice alone.
function confirmRoles() {
  for (const sel of document.querySelectorAll("select[data-confirm-role]")) {
    const box = sel.form.querySelector(".confirm-role");
    const text = box.querySelector("[data-confirm-text]");
    sel.addEventListener("change", () => {
      const changed = sel.value !== sel.dataset.current;
      box.hidden = !changed;
      text.textContent = changed ? `Make ${sel.dataset.who} ${sel.value === "admin" ? "an" : "a"} ${sel.value}?` : "";
      if (changed) box.querySelector("button[type=submit]").focus();
    });
    box.querySelector("[data-confirm-cancel]").addEventListener("click", () => {
      sel.value = sel.dataset.current;
      box.hidden = true;
      sel.focus();
    });
  }
}

// The server reads the browser's zone from this cookie when the profile names
// none, to know when "today" is and to read times typed into forms.
function rememberZone() {
  document.cookie = `rapport_tz=${encodeURIComponent(browserZone)}; path=/; max-age=31536000; SameSite=Lax`;
}

// copyButtons: a button with data-copy="ID" copies that input's value (the
// calendar link on the profile). Outside https and localhost browsers keep
// the clipboard shut: the text is then selected for Ctrl+C.
function copyButtons() {
  for (const btn of document.querySelectorAll("button[data-copy]")) {
    const input = document.getElementById(btn.dataset.copy);
    if (!input) continue;
    const label = btn.textContent;
    btn.addEventListener("click", async () => {
      input.focus();
      input.select();
      let copied = false;
      try {
        await navigator.clipboard.writeText(input.value);
        copied = true;
      } catch {
        // no clipboard here: the selection is the fallback
      }
      btn.textContent = copied ? "Copied" : "Press Ctrl+C to copy";
      setTimeout(() => { btn.textContent = label; }, 2500);
    });
  }
}

// noteTemplates: choosing a template fills the private note's editor at
// once (without JavaScript, its Use button reloads the page with it). The
// template's text takes the place of an empty editor or of an untouched
// template; after anything typed it is added below, so nothing is lost.
function noteTemplates() {
  for (const sel of document.querySelectorAll("select[data-note-template]")) {
    const editor = document.getElementById(sel.dataset.noteTemplate);
    if (!editor) continue;
    const use = sel.form.querySelector("[data-template-use]");
    if (use) use.hidden = true;
    const chosen = editor.form && editor.form.querySelector("[data-template-chosen]");
    let filled = editor.value;
    editor.addEventListener("input", () => { editor.dataset.dirty = "1"; });
    sel.addEventListener("change", () => {
      const src = [...document.querySelectorAll("textarea[data-template-body]")].find((t) => t.dataset.templateBody === sel.value);
      const text = src ? src.value : "";
      const now = editor.value;
      editor.value = now.trim() === "" || now === filled ? text : `${now.replace(/\s*$/, "")}\n\n${text}`;
      filled = editor.value;
      if (chosen) chosen.value = sel.value;
      editor.dataset.dirty = "1";
      editor.focus();
    });
  }
}

rememberZone();
localizeTimes();
fillZoneFields();
confirmRoles();
copyButtons();
noteTemplates();

// Notices while signed in: someone waiting in one of your rooms gets a
// toast with a Join link, and a short chime. Not on the room page itself.
function listenForNotices() {
  if (!document.body.dataset.user || !window.EventSource) return;
  if (location.pathname.startsWith("/rooms/")) return;
  const events = new EventSource("/events");
  events.addEventListener("open", () => {
    document.body.dataset.events = "open";
    // A page that keeps a list up to date asks again for what it may
    // have missed while the stream was down (messages.js does).
    document.dispatchEvent(new CustomEvent("rapport:events-open"));
  });
  events.addEventListener("error", () => { document.body.dataset.events = "closed"; });
  events.addEventListener("message", (e) => {
    let ev;
    try {
      ev = JSON.parse(e.data);
    } catch {
      return;
    }
    if (ev && ev.type === "room.waiting" && ev.data) roomWaiting(ev.data);
    if (ev && ev.type === "invitation" && ev.data) invited(ev.data);
    if (ev && ev.type === "appointment.changed" && ev.data) refreshOnChange(ev.data);
    if (ev && ev.type === "conversation.message" && ev.data) newMessage(ev.data);
  });
  addEventListener("pagehide", () => events.close());
}

// refreshOnChange brings a page that lists appointments, or shows the one
// that changed, up to date where it stands: its <main> is fetched again and
// swapped in, so that a booking, a move or a cancellation shows without a
// reload. A page where someone is typing in a form, or has typed in one
// (a private note's editor), is left alone.
async function refreshOnChange(d) {
  const path = location.pathname;
  const id = Number(d.id);
  const shows = path === "/dashboard" || path === "/appointments" || path === `/appointments/${id}`;
  if (!shows || document.querySelector("main form:focus-within, main [data-dirty]")) return;
  await refreshMain();
}

// newMessage counts a message to the viewer in the navigation's badge,
// unless its conversation is open (messages.js takes it from there), and
// brings the list of conversations up to date.
function newMessage(d) {
  const me = document.body.dataset.user;
  const id = Number(d.conversation_id);
  const open = document.querySelector(`#conversation[data-conversation="${id}"]`);
  document.dispatchEvent(new CustomEvent("rapport:message", { detail: d }));
  if (open || String(d.sender_id) === me) return;
  const badge = document.querySelector("[data-nav-unread]");
  if (badge) {
    const n = (parseInt(badge.textContent || "0", 10) || 0) + 1;
    badge.firstChild.textContent = String(n);
    badge.hidden = false;
  }
  if (location.pathname === "/messages") refreshMain();
}

// refreshMain fetches the page again and swaps its <main> in.
async function refreshMain() {
  const res = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (!res.ok) return;
  const fresh = new DOMParser().parseFromString(await res.text(), "text/html").querySelector("main");
  const main = document.querySelector("main");
  if (!fresh || !main) return;
  main.replaceWith(fresh);
  localizeTimes(fresh);
  noteTemplates();
  document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
}

function toastArea() {
  let area = document.querySelector(".toasts");
  if (!area) {
    area = el("div", "toasts");
    area.setAttribute("role", "region");
    area.setAttribute("aria-label", "Notifications");
    document.body.append(area);
  }
  return area;
}

// toast shows a notice with a link and a close button, replacing the one
// about the same thing (data: one data attribute, like {roomId: "..."}).
// Built from text nodes: names and titles are never parsed as HTML.
function toast({ data, headline, detail, link, href }) {
  const area = toastArea();
  const [name, value] = Object.entries(data)[0];
  for (const old of area.querySelectorAll(".toast")) {
    if (old.dataset[name] === value) old.remove();
  }
  const box = el("div", "toast");
  box.dataset[name] = value;
  box.setAttribute("role", "status");
  const text = el("div", "toast-text");
  text.append(el("strong", "", headline));
  if (detail) text.append(el("span", "muted small", detail));
  const go = el("a", "btn btn-primary btn-small", link);
  go.href = href;
  const close = el("button", "toast-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", "Dismiss");
  close.addEventListener("click", () => box.remove());
  box.append(text, go, close);
  area.append(box);
  chime();
}

// roomWaiting shows "X is waiting in your room", once per room.
function roomWaiting(d) {
  const roomID = String(d.room_id || "");
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(roomID)) return;
  toast({ data: { roomId: roomID }, headline: `${d.who || "Someone"} is waiting in your room`,
    detail: d.title ? String(d.title) : "", link: "Join", href: `/rooms/${encodeURIComponent(roomID)}` });
}

// invited shows "X invites you to work with them", with a link to the
// dashboard, where the invitation is accepted or declined.
function invited(d) {
  const coachID = String(d.coach_id || "");
  if (!/^[0-9]{1,20}$/.test(coachID)) return;
  const who = d.coach_name ? `${d.coach_name} (${d.coach_email || ""})` : String(d.coach_email || "A coach");
  toast({ data: { coachId: coachID }, headline: `${who} invites you to work with them`, link: "See", href: "/dashboard" });
}

// chime plays two soft notes with WebAudio (no audio files). Browsers allow
// sound only once the person has interacted with the page; before that it
// stays quiet rather than warn.
let audio;
function chime() {
  const AC = window.AudioContext || window.webkitAudioContext;
  if (!AC || !(navigator.userActivation ? navigator.userActivation.hasBeenActive : true)) {
    document.body.dataset.chime = "muted";
    return;
  }
  try {
    audio = audio || new AC();
    const now = audio.currentTime;
    for (const [i, freq] of [659.25, 880].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      const at = now + i * 0.18;
      osc.type = "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(0.12, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.6);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.65);
    }
    document.body.dataset.chime = "played";
  } catch {
    document.body.dataset.chime = "failed";
  }
}

listenForNotices();
