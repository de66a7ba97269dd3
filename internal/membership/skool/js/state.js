// What the page is: a challenge for a person ("human"), the sign-in form
// refusing the credentials ("refused"), the sign-in form ("form"), a page of
// the application ("app"), or something else, such as the web firewall's
// check ("wait"). The argument is the selectors file.
(sel) => {
  // A document still being parsed may show the application's frame before
  // the form inside it (a reload after the firewall's check, on a busy
  // machine): it is judged once it is whole.
  if (document.readyState === "loading") {
    return { kind: "wait", detail: "loading " + location.pathname };
  }
  const find = (css) => {
    try {
      return css ? document.querySelector(css) : null;
    } catch (e) {
      return null;
    }
  };
  for (const css of sel.human.elements || []) {
    if (find(css)) return { kind: "human", detail: "the page shows " + css };
  }
  const body = document.body ? document.body.innerText : "";
  const text = ((document.title || "") + " " + body.slice(0, 5000)).toLowerCase();
  for (const phrase of sel.human.texts || []) {
    if (text.includes(phrase)) return { kind: "human", detail: "the page says \"" + phrase + "\"" };
  }
  if (find(sel.signIn.password)) {
    const error = find(sel.signIn.error);
    const message = error ? error.textContent.replace(/\s+/g, " ").trim() : "";
    if (message) return { kind: "refused", detail: message.slice(0, 200) };
    return { kind: "form", detail: location.pathname };
  }
  if (find(sel.app)) return { kind: "app", detail: location.pathname };
  return { kind: "wait", detail: (document.title || location.pathname).slice(0, 200) };
}
