// The member pages' client script, like a Next.js page's: it fetches the
// next pages of members from the JSON API and renders them, on the next
// button, on scrolling to the end of an endless list, or on "Show more".
(() => {
  const main = document.querySelector("main[data-api]");
  if (!main) return;
  const layout = main.dataset.layout;
  const list = main.querySelector(".member-list, .roster");
  let page = 1;
  let hasMore = main.dataset.hasMore === "true";
  let loading = false;

  const escape = (s) =>
    String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const shown = (iso) =>
    new Date(iso).toLocaleDateString("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });
  const time = (iso) =>
    layout === "list-only" ? `<time>${shown(iso)}</time>` : `<time datetime="${escape(iso)}">${shown(iso)}</time>`;
  const labels = { active: "Active", cancelling: "Cancelled", churned: "Churned" };

  const row = (m) =>
    `<div class="member-row" data-id="${escape(m.id)}">` +
    `<span class="member-name">${escape(m.name)}</span>` +
    `<a class="member-email" href="mailto:${escape(m.email)}">${escape(m.email)}</a>` +
    `<span class="member-status">${labels[m.status]}</span>` +
    `<span class="member-joined">Joined ${time(m.joinedAt)}</span>` +
    (m.accessEndsAt ? `<span class="member-access-ends">Access until ${time(m.accessEndsAt)}</span>` : "") +
    `</div>`;
  const card = (e) =>
    `<li class="person-card"><h3 class="person-card__name">${escape(e.profile.displayName)}</h3>` +
    `<p class="person-card__contact">${escape(e.profile.contact.primaryEmail)}</p>` +
    `<p class="person-card__badge">${escape(e.membership.state)}</p></li>`;

  // load fetches page n and gives its rows' HTML and whether more follow.
  const load = async (n) => {
    const response = await fetch(`${main.dataset.api}?page=${n}`, { credentials: "same-origin" });
    const data = await response.json();
    if (layout === "changed") return { html: data.roster.entries.map(card).join(""), more: data.roster.next };
    return { html: data.members.map(row).join(""), more: data.hasMore };
  };

  const next = main.querySelector("button[aria-label='Next page']");
  const previous = main.querySelector("button[aria-label='Previous page']");
  const number = main.querySelector(".page-number");
  const show = async (n) => {
    loading = true;
    next.disabled = previous.disabled = true;
    const got = await load(n);
    page = n;
    list.innerHTML = got.html;
    hasMore = got.more;
    next.disabled = !hasMore;
    previous.disabled = page === 1;
    number.textContent = `Page ${page} of ${main.dataset.pages}`;
    window.scrollTo(0, 0);
    loading = false;
  };
  if (next) {
    next.addEventListener("click", () => loading || show(page + 1));
    previous.addEventListener("click", () => loading || show(page - 1));
  }

  const end = main.querySelector(".list-end");
  const spinner = main.querySelector(".loading");
  const more = async () => {
    if (loading || !hasMore) return;
    if (end.getBoundingClientRect().top > window.innerHeight + 200) return;
    loading = true;
    spinner.hidden = false;
    const got = await load(page + 1);
    page += 1;
    list.insertAdjacentHTML("beforeend", got.html);
    hasMore = got.more;
    spinner.hidden = true;
    loading = false;
    more(); // a list shorter than the window loads on
  };
  if (end) {
    window.addEventListener("scroll", more, { passive: true });
    more();
  }

  const showMore = main.querySelector(".load-more");
  if (showMore) {
    showMore.addEventListener("click", async () => {
      const got = await load(page + 1);
      page += 1;
      list.insertAdjacentHTML("beforeend", got.html);
      showMore.hidden = !got.more;
    });
  }
})();
