package skool

import (
	"context"
	"errors"
	"fmt"
)

// signIn signs in once per browser: it opens the sign-in page, and when the
// profile's session still holds (Skool shows the application instead of the
// form) that is all. A refusal or a challenge is kept and returned again,
// never tried again.
func (s *Scraper) signIn(tab context.Context) error {
	if s.signedIn {
		return nil
	}
	st, err := s.open(tab, "sign in: open the sign-in page", s.sel.SignIn.Path)
	if err != nil {
		return err
	}
	if st.Kind == kindApp {
		s.signedIn = true
		s.log.Info("skool: still signed in from the last run")
		return nil
	}
	if err := s.fillSignIn(tab); err != nil {
		return err
	}
	return s.awaitSignIn(tab)
}

// fillSignIn types the email and the password and presses the button.
func (s *Scraper) fillSignIn(tab context.Context) error {
	f := s.sel.SignIn
	for _, field := range []struct{ step, css, setting, value string }{
		{"sign in: fill in the email", f.Email, "signIn.email", s.cfg.Email},
		{"sign in: fill in the password", f.Password, "signIn.password", s.cfg.Password},
	} {
		if err := s.pause(tab); err != nil {
			return err
		}
		if err := s.typeInto(tab, field.css, field.value); err != nil {
			return s.elementFailed(tab, field.step, field.css, field.setting, err)
		}
	}
	if err := s.pause(tab); err != nil {
		return err
	}
	if err := s.click(tab, f.Submit); err != nil {
		return s.elementFailed(tab, "sign in: press the sign-in button", f.Submit, "signIn.submit", err)
	}
	return nil
}

// awaitSignIn waits for Skool's answer to the form: the application, a
// refusal, or a challenge for a person.
func (s *Scraper) awaitSignIn(tab context.Context) error {
	const step = "sign in: wait for Skool's answer"
	st, err := s.waitState(tab, s.cfg.ChallengeWait, func(st pageState) bool {
		return st.Kind != kindForm && st.Kind != kindWait
	})
	switch {
	case errors.Is(err, errTimeout):
		return s.stepFailed(step, fmt.Sprintf("no answer within %v (SKOOL_CHALLENGE_WAIT); the page shows %q", s.cfg.ChallengeWait, st.Detail))
	case err != nil:
		return fmt.Errorf("skool: %s: %w", step, err)
	case st.Kind == kindHuman:
		s.refusal = s.refused(ErrChallenge, step, st.Detail)
		return s.refusal
	case st.Kind == kindRefused:
		s.refusal = s.refused(ErrSignIn, step, "Skool says "+fmt.Sprintf("%q", st.Detail))
		return s.refusal
	}
	s.signedIn = true
	s.log.Info("skool: signed in", "email", s.cfg.Email)
	return nil
}
