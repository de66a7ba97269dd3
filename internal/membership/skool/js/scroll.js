// Scrolls the last row of the member list into view and the window to its
// end, as a person does to load more of an endless list.
(sel) => {
  const rows = document.querySelectorAll(sel.members.list.row);
  if (rows.length) rows[rows.length - 1].scrollIntoView({ block: "end" });
  window.scrollTo(0, document.documentElement.scrollHeight);
}
