package markdown_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rapport/internal/markdown"
)

// hostile are notes written to run a script when shown: each must come
// out inert.
var hostile = map[string]string{
	"script element":        "Hello <script>alert(1)</script> there",
	"script, no close":      "<script src=https://evil.example/x.js>",
	"javascript link":       "[click](javascript:alert(1))",
	"javascript, mixed":     "[click](JaVaScRiPt:alert(1))",
	"javascript, entity":    "[click](javascript&#58;alert(1))",
	"javascript, reference": "[click][x]\n\n[x]: javascript:alert(1)",
	"javascript autolink":   "<javascript:alert(1)>",
	"vbscript link":         "[click](vbscript:msgbox(1))",
	"data link":             "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
	"onerror image":         `<img src=x onerror="alert(1)">`,
	"onclick link":          `<a href="https://example.com" onclick="alert(1)">x</a>`,
	"onload svg":            `<svg onload=alert(1)></svg>`,
	"raw html comment":      "before <!-- <script>alert(1)</script> --> after",
	"iframe":                `<iframe src="https://evil.example"></iframe>`,
	"style":                 `<style>body{display:none}</style><p style="color:red">x</p>`,
	"form":                  `<form action="https://evil.example"><input name=a><button>go</button></form>`,
	"markdown image":        `![x](https://evil.example/pixel.png)`,
	"html block":            "<div>\n<script>alert(1)</script>\n</div>",
	"in a table":            "| a | b |\n|---|---|\n| <script>x</script> | [y](javascript:z) |",
}

// allowed are the elements a rendered note may hold.
var allowed = []string{"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
	"em", "strong", "del", "s", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "a", "input"}

// TestHostileNotesComeOutInert: whatever a note holds, its HTML has only
// the elements Markdown makes, no event handler or style attribute, no
// comment, and no link anywhere but http(s), mailto or this site.
func TestHostileNotesComeOutInert(t *testing.T) {
	for name, src := range hostile {
		t.Run(name, func(t *testing.T) {
			out := string(markdown.Render(src))
			for _, bad := range []string{"<script", "<!--", "<iframe", "<style", "<img", "<svg", "<form"} {
				if strings.Contains(strings.ToLower(out), bad) {
					t.Errorf("%q survived in %q", bad, out)
				}
			}
			mustBeInert(t, out)
		})
	}
}

// mustBeInert parses out and fails on any element, attribute or link a
// note may not have.
func mustBeInert(t *testing.T, out string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.CommentToken:
			t.Errorf("a comment survived: %q", out)
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if !slices.Contains(allowed, tok.Data) {
				t.Errorf("element <%s> survived: %q", tok.Data, out)
			}
			for _, a := range tok.Attr {
				checkAttr(t, tok.Data, a, out)
			}
		}
	}
}

func checkAttr(t *testing.T, el string, a html.Attribute, out string) {
	t.Helper()
	name := strings.ToLower(a.Key)
	switch {
	case strings.HasPrefix(name, "on"), name == "style", name == "src", name == "srcdoc", name == "action":
		t.Errorf("attribute %s on <%s> survived: %q", name, el, out)
	case name == "href":
		u, err := url.Parse(a.Val)
		if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") {
			t.Errorf("link to %q survived: %q", a.Val, out)
		}
	}
}

// TestMarkdownStillRenders: the formatting a coach uses comes through,
// links marked to open apart without telling where they came from.
func TestMarkdownStillRenders(t *testing.T) {
	for src, want := range map[string]string{
		"**bold** and _it_":                       "<p><strong>bold</strong> and <em>it</em></p>",
		"## Goal\nSleep more":                     "<h2>Goal</h2>\n<p>Sleep more</p>",
		"- one\n- two":                            "<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
		"3 < 4 & \"so\"":                          "<p>3 &lt; 4 &amp; &#34;so&#34;</p>",
		"~~old~~":                                 "<p><del>old</del></p>",
		"[site](https://example.com)":             `<p><a href="https://example.com" rel="nofollow noreferrer noopener" target="_blank">site</a></p>`,
		"[here](/clients/3)":                      `<p><a href="/clients/3" rel="nofollow noreferrer">here</a></p>`,
		"- [x] done\n- [ ] to do":                 `<ul>` + "\n" + `<li><input checked="" disabled="" type="checkbox"> done</li>` + "\n" + `<li><input disabled="" type="checkbox"> to do</li>` + "\n</ul>",
		"| a | b |\n|---|--:|\n| 1 | 2 |":         "<table>\n<thead>\n<tr>\n<th>a</th>\n<th align=\"right\">b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n<td align=\"right\">2</td>\n</tr>\n</tbody>\n</table>",
		"Say <script>hi</script> to `<b>` please": "<p>Say hi to <code>&lt;b&gt;</code> please</p>",
	} {
		if got := strings.TrimSpace(string(markdown.Render(src))); got != want {
			t.Errorf("%q rendered\n%s\nwant\n%s", src, got, want)
		}
	}
}
