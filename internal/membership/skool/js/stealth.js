// Runs before a page's own scripts: an automated Chromium answers like the
// browser a person uses.
(() => {
  const answer = (proto, name, value) => {
    try {
      Object.defineProperty(proto, name, { get: () => value, configurable: true });
    } catch (e) {
      // A property the browser does not let us change keeps its value.
    }
  };
  answer(Navigator.prototype, "webdriver", false);
  answer(Navigator.prototype, "languages", Object.freeze(["en-US", "en"]));
  if (!window.chrome) {
    window.chrome = { runtime: {} };
  }
})();
