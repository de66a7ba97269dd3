package privacy

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"path"
	"strings"
	"time"
	"unicode"
)

// writeZip writes the archive: data.json for machines, index.html for
// people, and the files of the conversations under files/.
func (s *Service) writeZip(ctx context.Context, w io.Writer, e *Export, files []exportFile) error {
	z := zip.NewWriter(w)
	modified := e.ExportedAt
	create := func(name string) (io.Writer, error) {
		return z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
	}
	f, err := create("data.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(e); err != nil {
		return err
	}
	if f, err = create("index.html"); err != nil {
		return err
	}
	if err := exportPage.Execute(f, e); err != nil {
		return fmt.Errorf("the export's page: %w", err)
	}
	for _, file := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := s.Store.FileData(ctx, file.id)
		if err != nil {
			return err
		}
		// Stored: the files are mostly compressed already (PDF, images,
		// office documents).
		fw, err := z.CreateHeader(&zip.FileHeader{Name: file.path, Method: zip.Store, Modified: modified})
		if err != nil {
			return err
		}
		if _, err := fw.Write(data); err != nil {
			return err
		}
	}
	return z.Close()
}

// safeName keeps a file name fit for a path in the archive: its last part,
// with letters, digits, dots, dashes and underscores only.
func safeName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
	if strings.Trim(name, "._") == "" {
		return "file"
	}
	return name
}

// when is a moment as the export's page shows it: the day and the time,
// in UTC.
func when(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006, 15:04 UTC") }

// exportPage is the export for people to read: html/template escapes
// everything that was typed.
var exportPage = template.Must(template.New("export").Funcs(template.FuncMap{
	"when": when,
	"whenp": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return when(*t)
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your data: {{.Person.DisplayName}}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; color: #1c2421; }
h1, h2, h3 { line-height: 1.2; } section { border-top: 1px solid #dde3df; margin-top: 2rem; }
.muted { color: #5b6762; font-size: .9rem; } .pre { white-space: pre-wrap; } ol.lines { padding-left: 1.2rem; }
dt { font-weight: 600; } dd { margin: 0 0 .5rem; }
</style></head>
<body>
<h1>Everything Rapport holds about {{.Person.DisplayName}}</h1>
<p class="muted">Exported {{when .ExportedAt}}. The same data is in data.json, for programs; files are in the files folder.</p>
<section><h2>You</h2>
<dl><dt>Name</dt><dd>{{.Person.Name}}</dd><dt>Email</dt><dd>{{.Person.Email}}</dd><dt>Role</dt><dd>{{.Person.Role}}</dd>
<dt>Since</dt><dd>{{when .Person.CreatedAt}}</dd>
{{range $k, $v := .Profile}}<dt>{{$k}}</dt><dd class="pre">{{$v}}</dd>{{end}}</dl>
{{if .Coaches}}<h3>Your coaches</h3><ul>{{range .Coaches}}<li>{{.Name}} ({{.Email}})</li>{{end}}</ul>{{end}}
</section>
<section><h2>Sessions ({{len .Sessions}})</h2>
{{range .Sessions}}<article>
<h3>{{.Title}} · {{when .StartsAt}}</h3>
<p class="muted">With {{.Coach}} · {{.Minutes}} minutes · {{.Status}}{{with .CancelReason}} · cancelled: {{.}}{{end}}</p>
{{with .Notes}}<p class="pre">{{.}}</p>{{end}}
{{with .Summary}}<h4>Summary</h4><p class="pre">{{.}}</p>{{end}}
{{range .Calls}}<p class="muted">Call opened {{when .OpenedAt}}{{with .EndedAt}}, ended {{whenp .}}{{end}} · {{.Seconds}} s together</p>
{{if .Chat}}<h4>Chat</h4><ol class="lines">{{range .Chat}}<li><strong>{{.Who}}</strong> <span class="muted">{{when .At}}</span><div class="pre">{{.Body}}</div></li>{{end}}</ol>{{end}}
{{if .Transcript}}<h4>Transcript</h4><ol class="lines">{{range .Transcript}}<li><strong>{{.Who}}</strong>: <span class="pre">{{.Body}}</span></li>{{end}}</ol>{{end}}
{{end}}</article>{{else}}<p>No sessions.</p>{{end}}
</section>
<section><h2>Messages</h2>
{{range .Messages}}<h3>With {{.With}}</h3><ol class="lines">{{range .Messages}}<li><strong>{{.Who}}</strong> <span class="muted">{{when .At}}</span>
{{with .Body}}<div class="pre">{{.}}</div>{{end}}{{with .File}}<div><a href="{{.}}">{{.}}</a></div>{{end}}</li>{{end}}</ol>
{{else}}<p>No messages.</p>{{end}}
</section>
<section><h2>Questionnaires</h2>
{{range .Answers}}<h3>{{.Title}}</h3><p class="muted">From {{.From}}, sent {{when .SentAt}}{{with .SubmittedAt}}, answered {{whenp .}}{{else}}, not submitted{{end}}</p>
<dl>{{range .Items}}<dt>{{.Question}}</dt><dd class="pre">{{range $i, $a := .Answer}}{{if $i}}, {{end}}{{$a}}{{else}}—{{end}}</dd>{{end}}</dl>
{{else}}<p>None.</p>{{end}}
</section>
<section><h2>Goals</h2>
{{if .Goals}}<ul>{{range .Goals}}<li><strong>{{.Title}}</strong> with {{.With}}: {{.Progress}}%{{if .Achieved}}, achieved{{with .AchievedAt}} {{whenp .}}{{end}}{{end}}{{with .Note}}<div class="pre">{{.}}</div>{{end}}</li>{{end}}</ul>{{else}}<p>None.</p>{{end}}
</section>
<section><h2>Membership history</h2>
{{if .Membership}}<ol class="lines">{{range .Membership}}<li>{{when .At}}: {{.What}} {{.From}} → {{.To}} <span class="muted">{{.Why}}</span></li>{{end}}</ol>{{else}}<p>None.</p>{{end}}
</section>
</body></html>
`))
