// Package markdown turns the Markdown people write (a coach's private
// notes) into HTML that is safe to put in a page: goldmark renders it
// (CommonMark with GitHub's tables, strikethrough, task lists and bare
// links) without passing raw HTML or dangerous links through, and
// bluemonday then keeps only the elements and attributes that Markdown
// makes, whatever the renderer let by. Scripts, event handlers,
// javascript: links, styles, frames, forms and images never survive.
package markdown

import (
	"bytes"
	"html/template"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// renderer is goldmark as notes use it. It leaves raw HTML out (its
// default; it is never told WithUnsafe).
// Table cells keep their alignment as an align attribute, not a style
// (the site's CSP allows no inline style, and the sanitizer keeps none).
var renderer = goldmark.New(goldmark.WithExtensions(
	extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
	extension.Strikethrough, extension.Linkify, extension.TaskList))

// policy keeps what Markdown makes: text structure, lists, tables, code,
// quotes and links to http(s), mailto and relative addresses; links get
// rel="nofollow noreferrer noopener" and open apart when they leave the site.
var policy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
		"em", "strong", "del", "s", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").Matching(regexp.MustCompile(`^(|checked|disabled)$`)).OnElements("input")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// Render returns src, Markdown, as sanitized HTML. Text that is not
// Markdown comes back as paragraphs of escaped text.
func Render(src string) template.HTML {
	var buf bytes.Buffer
	if err := renderer.Convert([]byte(src), &buf); err != nil {
		// goldmark fails only when writing fails, which a buffer does not:
		// show the text itself, escaped, rather than nothing.
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	return template.HTML(policy.SanitizeBytes(buf.Bytes()))
}
