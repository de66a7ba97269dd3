package config

import (
	"cmp"
	"net/url"
	"strings"
)

// SignIn is who may sign in and how the provider is asked.
type SignIn struct {
	// ProviderName names the provider on the pages ("Google", "Okta").
	ProviderName string
	// Prompt is sent as OIDC's prompt parameter; empty sends none.
	Prompt string
	// Signup is SignupInvite (only people Rapport already knows) or
	// SignupOpen (anyone with a verified email).
	Signup string
	// SignupDomains admit any verified email of these domains besides.
	SignupDomains []string
}

// Who may sign up.
const (
	SignupInvite = "invite"
	SignupOpen   = "open"
)

// signInSettings are the sign-in's environment variables.
var signInSettings = []Setting{
	{Name: "GOOGLE_CLIENT_ID", Help: "OAuth client ID for Google (or OIDC_ISSUER's) sign-in; no provider (the developer sign-in, on loopback only) when empty"},
	{Name: "GOOGLE_CLIENT_SECRET", Help: "its OAuth client secret (set both or neither)", Secret: true},
	{Name: "OIDC_ISSUER", Default: DefaultOIDCIssuer, Help: "any OpenID Connect issuer (Keycloak, Authentik, Dex, Zitadel), spelt exactly as the provider spells it"},
	{Name: "OIDC_NAME", Help: "the provider's name on the sign-in page (default: Google for Google's issuer, else the issuer's host)"},
	{Name: "OIDC_PROMPT", Default: "select_account", Help: "sent to the provider as prompt (select_account, login, consent, none); set it to - to send none"},
	{Name: "SIGNUP", Default: SignupInvite, Help: "invite: only people Rapport already knows (invited by a coach, created by an operator, brought in by the Skool sync) may sign in; open: anyone with a verified email becomes a client"},
	{Name: "SIGNUP_DOMAINS", Help: "also admit any verified email of these domains, comma-separated (with Google, the account must belong to the domain's Workspace)"},
}

// promptValues are the prompt values OIDC Core 3.1.2.1 defines.
var promptValues = map[string]bool{"none": true, "login": true, "consent": true, "select_account": true}

// signIn reads the sign-in settings; issuer names the provider by default.
func (r *reader) signIn(issuer string) SignIn {
	s := SignIn{
		ProviderName:  cmp.Or(r.str("OIDC_NAME"), providerName(issuer)),
		Prompt:        r.value("OIDC_PROMPT"),
		Signup:        r.oneOf("SIGNUP", SignupInvite, SignupOpen),
		SignupDomains: r.list("SIGNUP_DOMAINS"),
	}
	if s.Prompt == "-" {
		s.Prompt = ""
	}
	for _, p := range strings.Fields(s.Prompt) {
		if !promptValues[p] {
			r.fail("OIDC_PROMPT", "%q is not a prompt value: use select_account, login, consent or none (space-separated), or - for none", p)
		}
	}
	for i, d := range s.SignupDomains {
		d = strings.ToLower(strings.TrimPrefix(d, "@"))
		if !strings.Contains(d, ".") || strings.ContainsAny(d, "@/: ") {
			r.fail("SIGNUP_DOMAINS", "%q is not a domain like example.com", s.SignupDomains[i])
		}
		s.SignupDomains[i] = d
	}
	return s
}

// providerName is what the pages call the provider when OIDC_NAME is not
// set: Google for Google's issuer, else the issuer's host.
func providerName(issuer string) string {
	if IsGoogleIssuer(issuer) {
		return "Google"
	}
	if u, err := url.Parse(issuer); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "your sign-in provider"
}

// IsGoogleIssuer reports whether issuer is Google's, which writes its
// issuer with and without https:// and vouches for Workspace domains
// through the hd claim.
func IsGoogleIssuer(issuer string) bool {
	u, err := url.Parse(issuer)
	return err == nil && u.Hostname() == "accounts.google.com"
}
