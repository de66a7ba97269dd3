// Rapport's page script: shows times in the viewer's time zone, fills the
// time-zone fields of forms, and small conveniences. No framework, no build.

const profileZone = document.body.dataset.tz || "";
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const zone = profileZone || browserZone;

const formats = {
  datetime: { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" },
  date: { weekday: "short", day: "numeric", month: "short", year: "numeric" },
  time: { hour: "2-digit", minute: "2-digit" },
};

function localizeTimes(root = document) {
  for (const el of root.querySelectorAll("time[datetime][data-format]")) {
    const when = new Date(el.getAttribute("datetime"));
    if (Number.isNaN(when.getTime())) continue;
    const opts = { ...(formats[el.dataset.format] || formats.datetime), timeZone: zone };
    try {
      el.textContent = new Intl.DateTimeFormat(undefined, opts).format(when);
      el.title = when.toISOString();
    } catch {
      // an unknown zone leaves the server's UTC text in place
    }
  }
}

function fillZoneFields() {
  for (const input of document.querySelectorAll("input[data-tz-input][data-auto]")) {
    input.value = browserZone;
  }
  for (const el of document.querySelectorAll("[data-tz-show]")) {
    const input = document.querySelector("input[data-tz-input]");
    if (input) el.textContent = input.value;
  }
  for (const el of document.querySelectorAll("[data-tz-label]")) el.textContent = zone;
  const list = document.querySelector("datalist[data-zones]");
  if (list && Intl.supportedValuesOf) {
    for (const z of Intl.supportedValuesOf("timeZone")) list.append(new Option(z));
  }
}

function autoSubmit() {
  for (const sel of document.querySelectorAll("select[data-autosubmit]")) {
    sel.addEventListener("change", () => sel.form.requestSubmit());
  }
}

// The server reads the browser's zone from this cookie when the profile names
// none, to know when "today" is and to read times typed into forms.
function rememberZone() {
  document.cookie = `rapport_tz=${encodeURIComponent(browserZone)}; path=/; max-age=31536000; SameSite=Lax`;
}

rememberZone();
localizeTimes();
fillZoneFields();
autoSubmit();
