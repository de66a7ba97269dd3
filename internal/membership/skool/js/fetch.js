// Fetches a JSON page of members the way the page's own script does: from
// the page, with its cookies.
async (url) => {
  const response = await fetch(url, { credentials: "include", headers: { Accept: "application/json" } });
  return { status: response.status, body: await response.text() };
}
