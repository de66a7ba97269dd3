package mail

import (
	"bytes"
	"io"
	"strings"
)

// Template is a text or HTML template of an email's body.
type Template interface {
	Execute(w io.Writer, data any) error
}

// Render runs an email's template, parsed when its package loads; a
// template that fails on its data is a fault of the code, and panics.
func Render(t Template, data any) string {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		panic(err)
	}
	return b.String()
}

// OneLine keeps a name or a title on one line, for a subject or a header.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
