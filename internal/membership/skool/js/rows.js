// The visible member list from row number from on: each row's fields as
// shown (a date's datetime attribute when it has one), the number of rows,
// the first row's text (to see a new page arrive), the member count as
// shown, and the next-page button: "enabled", "disabled" or "none".
(sel, from) => {
  const list = sel.members.list;
  const text = (el) => (el ? el.textContent.replace(/\s+/g, " ").trim() : "");
  const pick = (row, css) => (css ? row.querySelector(css) : null);
  const date = (el) => {
    if (!el) return "";
    const timed = el.matches("[datetime]") ? el : el.querySelector("[datetime]");
    return timed ? timed.getAttribute("datetime") : text(el);
  };
  const rows = [...document.querySelectorAll(list.row)];
  const next = list.next ? document.querySelector(list.next) : null;
  let button = "none";
  if (next) {
    button = next.disabled || next.getAttribute("aria-disabled") === "true" ? "disabled" : "enabled";
  }
  return {
    rows: rows.slice(from).map((row) => ({
      name: text(pick(row, list.name)),
      email: text(pick(row, list.email)),
      status: text(pick(row, list.status)),
      joined: date(pick(row, list.joined)),
      accessEnds: date(pick(row, list.accessEnds)),
    })),
    count: rows.length,
    first: text(rows[0]),
    total: list.total ? text(document.querySelector(list.total)) : "",
    next: button,
  };
}
