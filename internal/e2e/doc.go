// Package e2e holds the browser end-to-end tests: headless Chromium (and
// pion peers, a WebSocket media tunnel, speech engines) against the real
// server, started as `rapport serve` starts it (server.Main) on port 0
// with a fresh database. Each page is checked for console errors and saved
// as a screenshot under test-artifacts/ at the repository's root.
//
// The tests run in parallel (as many at once as go test's -parallel, the
// number of CPUs by default), but for TestE2ECall, which runs alone first:
// each starts its own server, Chromium, helper servers and Mailpit
// addresses, and writes its screenshots to a directory of its own, so that
// they share nothing but the machine. The machine is what limits them:
// Chromium's media pipelines keep about a core busy per call, so on two
// cores two tests at once gain little when other work is running.
package e2e
