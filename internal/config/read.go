package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// reader reads settings and keeps the first error. A setting that is not
// set takes its default from the settings table (value), and the default
// is parsed like anything an operator writes.
type reader struct {
	getenv Getenv
	err    error
}

func (r *reader) fail(name, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...))
	}
}

// str is the setting as set, trimmed; empty when not set.
func (r *reader) str(name string) string {
	v, _ := r.getenv(name)
	return strings.TrimSpace(v)
}

// value is the setting as set, else its default in the settings table.
func (r *reader) value(name string) string {
	if v := r.str(name); v != "" {
		return v
	}
	return defaultOf(name)
}

// secret reads NAME, or the file NAME_FILE names; setting both is an error.
func (r *reader) secret(name string) string {
	v := r.str(name)
	path := r.str(name + "_FILE")
	if path == "" {
		return v
	}
	if v != "" {
		r.fail(name, "set either %s or %s_FILE, not both", name, name)
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		r.fail(name+"_FILE", "cannot read %s: %v", path, errors.Unwrap(err))
		return ""
	}
	return strings.TrimSpace(string(b))
}

// port reads a port number; 0 when neither set nor defaulted.
func (r *reader) port(name string) int {
	v := r.value(name)
	if v == "" {
		return 0
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 0 || p > 65535 {
		r.fail(name, "must be a port number from 0 to 65535, not %q", v)
	}
	return p
}

// oneOf reads one of the allowed words, in any case.
func (r *reader) oneOf(name string, allowed ...string) string {
	v := strings.ToLower(r.value(name))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.fail(name, "must be one of %s, not %q", strings.Join(allowed, ", "), v)
	return ""
}

// level reads a log level.
func (r *reader) level(name string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(r.value(name))); err != nil {
		r.fail(name, "must be debug, info, warn or error, not %q", r.str(name))
	}
	return l
}

// count reads a whole number of one or more.
func (r *reader) count(name string) int {
	v := r.value(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		r.fail(name, "must be a whole number of 1 or more, not %q", v)
		return 0
	}
	return n
}

// intRange reads a whole number from lo to hi.
func (r *reader) intRange(name string, lo, hi int) int {
	v := r.value(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.fail(name, "must be a whole number from %d to %d, not %q", lo, hi, v)
		return 0
	}
	return n
}

// fraction reads a number from 0 to 1.
func (r *reader) fraction(name string) float64 {
	v := r.value(name)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1 {
		r.fail(name, "must be a fraction from 0 to 1, like %s, not %q", defaultOf(name), v)
		return 0
	}
	return f
}

// boolean reads true or false (also 1, 0, yes, no, on, off).
func (r *reader) boolean(name string) bool {
	return r.parseBool(name, r.value(name))
}

// parseBool reads v, the value of name, as true or false.
func (r *reader) parseBool(name, v string) bool {
	switch v = strings.ToLower(v); v {
	case "true", "1", "yes", "on":
		return true
	case "false", "0", "no", "off":
		return false
	default:
		r.fail(name, "must be true or false, not %q", v)
		return false
	}
}

// duration reads a Go duration between lo and hi.
func (r *reader) duration(name string, lo, hi time.Duration) time.Duration {
	v := r.value(name)
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		r.fail(name, "must be a duration from %v to %v, like %s, not %q", lo, hi, defaultOf(name), v)
		return 0
	}
	return d
}

// seconds reads a Go duration of at least a second, like 30s.
func (r *reader) seconds(name string) time.Duration {
	v := r.value(name)
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		r.fail(name, "must be a duration of a second or more, like 30s, not %q", v)
		return 0
	}
	return d
}

// list reads a comma-separated list.
func (r *reader) list(name string) []string {
	var out []string
	for _, v := range strings.Split(r.value(name), ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// portRange reads MIN-MAX.
func (r *reader) portRange(name string) (uint16, uint16) {
	v := r.value(name)
	if v == "" {
		return 0, 0
	}
	lo, hi, ok := strings.Cut(v, "-")
	a, errA := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
	b, errB := strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
	if !ok || errA != nil || errB != nil || a == 0 || a > b {
		r.fail(name, "must be a range of UDP ports like 50000-60000, not %q", v)
		return 0, 0
	}
	return uint16(a), uint16(b)
}

// httpURL checks that a set URL is http:// or https:// with a host.
func (r *reader) httpURL(name, v string) {
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.fail(name, "must be an http:// or https:// URL with a host, like http://127.0.0.1:11434/v1, not %q", v)
	}
}
