package skool

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/chromedp"
)

// The scripts the scraper runs in Skool's pages; each is a function of the
// selectors file (and more arguments), called by call.
var (
	//go:embed js/state.js
	stateJS string
	//go:embed js/rows.js
	rowsJS string
	//go:embed js/fetch.js
	fetchJS string
	//go:embed js/scroll.js
	scrollJS string
)

// What state.js sees.
const (
	kindHuman   = "human"
	kindRefused = "refused"
	kindForm    = "form"
	kindApp     = "app"
	kindWait    = "wait"
)

// pageState is state.js's answer.
type pageState struct {
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// pollEvery is how often a page is looked at while waiting for it.
const pollEvery = 200 * time.Millisecond

// errTimeout says a wait ran out.
var errTimeout = errors.New("timed out")

// call is a JavaScript expression calling the function fn with args.
func call(fn string, args ...any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			panic(fmt.Sprintf("skool: a script argument does not marshal: %v", err)) // only our own types are passed
		}
		parts[i] = string(b)
	}
	return "(" + strings.TrimSpace(fn) + ")(" + strings.Join(parts, ", ") + ")"
}

// eval runs a JavaScript expression in the page, for at most limit.
func eval[T any](tab context.Context, limit time.Duration, expr string, opts ...chromedp.EvaluateOption) (T, error) {
	ctx, cancel := context.WithTimeout(tab, limit)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
}

// open loads a page of Skool and waits past the web firewall for a page
// of the application, the sign-in form or a challenge for a person.
func (s *Scraper) open(tab context.Context, step, path string) (pageState, error) {
	u := s.cfg.URL + path
	if err := s.navigate(tab, u); err != nil {
		if tab.Err() != nil {
			return pageState{}, fmt.Errorf("skool: %s: %w", step, context.Cause(tab))
		}
		return pageState{}, s.stepFailed(step, fmt.Sprintf("cannot load %s: %v", u, err))
	}
	st, err := s.waitState(tab, s.cfg.ChallengeWait, func(st pageState) bool { return st.Kind != kindWait })
	switch {
	case errors.Is(err, errTimeout):
		return st, s.stepFailed(step, fmt.Sprintf("Skool's web firewall did not let the browser through to %s within %v (SKOOL_CHALLENGE_WAIT); the page shows %q", u, s.cfg.ChallengeWait, st.Detail))
	case err != nil:
		return st, fmt.Errorf("skool: %s: %w", step, err)
	case st.Kind == kindHuman:
		s.refusal = s.refused(ErrChallenge, step, st.Detail)
		return st, s.refusal
	}
	return st, nil
}

// navigate loads u, for at most the element wait. It first stops what an
// abandoned call may have left loading, and tries again while the
// navigation is interrupted (see interrupted), pausing a little longer
// each time.
func (s *Scraper) navigate(tab context.Context, u string) error {
	ctx, cancel := context.WithTimeout(tab, s.opts.ElementWait)
	defer cancel()
	for try := 1; ; try++ {
		err := chromedp.Do(ctx, chromedp.Stop(), chromedp.Navigate(u))
		if err == nil || try == navigateTries || !interrupted(err) {
			return err
		}
		s.log.Debug("skool: navigation interrupted; once more", "url", u, "err", err)
		if err := sleep(ctx, time.Duration(try)*pollEvery); err != nil {
			return err
		}
	}
}

// navigateTries is how many times navigate tries one address.
const navigateTries = 5

// interrupted says a navigation failed for a moment, not for good: another
// navigation aborted it (a firewall's page reloading itself), or the tab
// was between two documents when it was asked (Chromium answers "Not
// attached to an active page" while an abandoned navigation swaps the
// tab's renderer).
func interrupted(err error) bool {
	var le *chromedp.LoadError
	if errors.As(err, &le) {
		return le.ErrorText == "net::ERR_ABORTED"
	}
	var ce *cdproto.Error
	return errors.As(err, &ce) && ce.Message == "Not attached to an active page"
}

// waitState looks at the page until done accepts what it sees, for at most
// limit; a page that is being replaced (a firewall reloading, a form
// submitted) is looked at again.
func (s *Scraper) waitState(tab context.Context, limit time.Duration, done func(pageState) bool) (pageState, error) {
	deadline := time.Now().Add(limit)
	expr := call(stateJS, s.sel)
	var last pageState
	for {
		st, err := eval[pageState](tab, 5*time.Second, expr)
		if err == nil {
			last = st
			if done(st) {
				return st, nil
			}
		}
		if tab.Err() != nil {
			return last, context.Cause(tab)
		}
		if time.Now().After(deadline) {
			return last, errTimeout
		}
		if err := sleep(tab, pollEvery); err != nil {
			return last, err
		}
	}
}

// waitElement waits for an element matching css, for at most the
// element wait.
func (s *Scraper) waitElement(tab context.Context, css string) error {
	ctx, cancel := context.WithTimeout(tab, s.opts.ElementWait)
	defer cancel()
	return chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(css)))
}

// click clicks the element matching css with the mouse.
func (s *Scraper) click(tab context.Context, css string) error {
	ctx, cancel := context.WithTimeout(tab, s.opts.ElementWait)
	defer cancel()
	return chromedp.Do(ctx, chromedp.Click(chromedp.CSS(css)))
}

// typeInto clicks the field matching css and types text a key at a time.
func (s *Scraper) typeInto(tab context.Context, css, text string) error {
	if err := s.click(tab, css); err != nil {
		return err
	}
	for _, r := range text {
		if err := chromedp.Do(tab, chromedp.KeyEvent(string(r))); err != nil {
			return err
		}
		if err := s.keyPause(tab); err != nil {
			return err
		}
	}
	return nil
}

// elementFailed turns the failure of an action on the element matching css
// into a StepError (or the caller's reason, when it gave up).
func (s *Scraper) elementFailed(tab context.Context, step, css, setting string, err error) error {
	if tab.Err() != nil {
		return fmt.Errorf("skool: %s: %w", step, context.Cause(tab))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return s.stepFailed(step, fmt.Sprintf("no element matches %q (%s in the selectors) within %v", css, setting, s.opts.ElementWait))
	}
	return s.stepFailed(step, fmt.Sprintf("%q (%s in the selectors): %v", css, setting, err))
}
