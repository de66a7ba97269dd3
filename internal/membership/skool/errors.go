package skool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// ErrChallenge means Skool asks for something only a person can give: a
// captcha, a two-factor code, a confirmation of a new device by email. The
// scraper does not try again (that is how accounts get locked); an
// operator signs in once by hand in a browser on the same profile
// (Options.ProfileDir) and the next run goes through.
var ErrChallenge = errors.New("skool: a person must answer Skool's challenge (captcha, two-factor code or new-device email)")

// ErrSignIn means Skool refused SKOOL_EMAIL and SKOOL_PASSWORD. The scraper
// does not try again.
var ErrSignIn = errors.New("skool: Skool refused the sign-in: check SKOOL_EMAIL and SKOOL_PASSWORD")

// StepError is a step that failed on Skool's pages: a page that did not
// load, an element not found, data not where the selectors say. Screenshot
// and HTML are the files saved for the operator ("" when saving failed).
type StepError struct {
	Step       string // what the scraper was doing, like "sign in: fill in the email"
	Detail     string // what went wrong
	Screenshot string
	HTML       string
}

// Error names the step and the saved files.
func (e *StepError) Error() string {
	msg := "skool: " + e.Step + ": " + e.Detail
	if e.Screenshot != "" || e.HTML != "" {
		msg += fmt.Sprintf(" (screenshot %s, page %s)", orNone(e.Screenshot), orNone(e.HTML))
	}
	return msg
}

func orNone(s string) string {
	if s == "" {
		return "not saved"
	}
	return s
}

// challengeError is ErrChallenge or ErrSignIn with what the page showed and
// where it was saved.
type challengeError struct {
	kind   error
	detail string
	files  evidence
}

func (e *challengeError) Error() string {
	return fmt.Sprintf("%v: %s (screenshot %s, page %s)", e.kind, e.detail, orNone(e.files.screenshot), orNone(e.files.html))
}

func (e *challengeError) Unwrap() error { return e.kind }

// evidence is the pair of files saved when a step fails.
type evidence struct{ screenshot, html string }

// stepFailed saves the page and returns a StepError.
func (s *Scraper) stepFailed(step, detail string) error {
	files := s.save(step)
	return &StepError{Step: step, Detail: detail, Screenshot: files.screenshot, HTML: files.html}
}

// refused saves the page and returns ErrChallenge or ErrSignIn with detail.
func (s *Scraper) refused(kind error, step, detail string) error {
	return &challengeError{kind: kind, detail: detail, files: s.save(step)}
}

// save writes a screenshot and the HTML of the page into the logs
// directory, named for the time and the step. It works on a context of its
// own so that a cancelled or timed-out caller still leaves the evidence.
func (s *Scraper) save(step string) evidence {
	if s.tab == nil {
		return evidence{}
	}
	ctx, cancel := context.WithTimeout(s.tab, 15*time.Second)
	defer cancel()
	if err := os.MkdirAll(s.opts.LogsDir, 0o700); err != nil {
		s.log.Warn("skool: cannot save the page", "step", step, "err", err)
		return evidence{}
	}
	base := filepath.Join(s.opts.LogsDir, "skool-"+time.Now().UTC().Format("20060102-150405.000")+"-"+fileSafe(step))
	var files evidence
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err != nil {
		s.log.Warn("skool: cannot take a screenshot", "step", step, "err", err)
	} else if err := os.WriteFile(base+".png", png, 0o600); err != nil {
		s.log.Warn("skool: cannot save the screenshot", "step", step, "err", err)
	} else {
		files.screenshot = base + ".png"
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err != nil {
		s.log.Warn("skool: cannot read the page's HTML", "step", step, "err", err)
	} else if err := os.WriteFile(base+".html", []byte(html), 0o600); err != nil {
		s.log.Warn("skool: cannot save the page's HTML", "step", step, "err", err)
	} else {
		files.html = base + ".html"
	}
	return files
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9]+`)

// fileSafe turns a step into a short file name part.
func fileSafe(step string) string {
	s := strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(step), "-"), "-")
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	return s
}
