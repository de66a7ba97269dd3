// Package e2e holds the browser end-to-end tests: headless Chromium (and
// pion peers, a WebSocket media tunnel, speech engines) against the real
// server, started as `rapport serve` starts it (server.Main) on port 0
// with a fresh database. Each page is checked for console errors and saved
// as a screenshot under test-artifacts/ at the repository's root.
package e2e
