package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"
)

// htmlTokens walks an HTML document with encoding/xml in its lenient mode,
// calling fn for each start element and each text node with the name of
// the element it is in.
func htmlTokens(t *testing.T, doc []byte, start func(xml.StartElement), text func(parent, data string)) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("HTML does not parse: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			stack = append(stack, strings.ToLower(tok.Name.Local))
			start(tok)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			text(parent, string(tok))
		}
	}
}

var externalRef = regexp.MustCompile(`(?i)^\s*(https?:)?//`)

func TestHTMLSelfContained(t *testing.T) {
	for name, r := range map[string]*Report{"audit": auditReport(), "scan": scanReport()} {
		t.Run(name, func(t *testing.T) {
			out := render(t, "html", r, Options{})
			scripts := 0
			htmlTokens(t, out, func(el xml.StartElement) {
				switch strings.ToLower(el.Name.Local) {
				case "script":
					scripts++
				case "link", "iframe", "object", "embed", "img", "base":
					t.Errorf("element <%s> can load external resources", el.Name.Local)
				}
				for _, a := range el.Attr {
					switch strings.ToLower(a.Name.Local) {
					case "src", "href", "action", "formaction", "poster", "data", "srcset", "background":
						if externalRef.MatchString(a.Value) || strings.Contains(strings.ToLower(a.Value), "http") {
							t.Errorf("<%s %s=%q> refers to an external resource", el.Name.Local, a.Name.Local, a.Value)
						}
					}
				}
			}, func(parent, data string) {
				if parent == "style" && (strings.Contains(data, "url(") || strings.Contains(data, "@import")) {
					t.Error("stylesheet loads external resources")
				}
			})
			if scripts != 1 {
				t.Errorf("%d <script> elements, want only the inline one", scripts)
			}
			if m := regexp.MustCompile(`(?i)\b(src|href)\s*=\s*["']?\s*(https?:)?//`).Find(out); m != nil {
				t.Errorf("external reference %q", m)
			}
		})
	}
}

func TestHTMLEscapes(t *testing.T) {
	r := auditReport()
	r.Results[0].Title = `Pets <img src=x onerror=alert(1)>`
	r.Results[0].Findings[0].FixHint = `"><script>alert('fix')</script>`
	out := string(render(t, "html", r, Options{}))
	for _, raw := range []string{"<script>alert(1)</script>", "<img src=x", "<script>alert('fix')"} {
		if strings.Contains(out, raw) {
			t.Errorf("unescaped %q in output", raw)
		}
	}
	for _, escaped := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"Pets &lt;img src=x onerror=alert(1)&gt;",
		"&#34;&gt;&lt;script&gt;alert(&#39;fix&#39;)&lt;/script&gt;",
	} {
		if !strings.Contains(out, escaped) {
			t.Errorf("output lacks %q", escaped)
		}
	}
	// Response bodies of scan findings are escaped too.
	scan := string(render(t, "html", scanReport(), Options{}))
	if strings.Contains(scan, "<b>Traceback") || !strings.Contains(scan, "&lt;b&gt;Traceback&lt;/b&gt;") {
		t.Error("response body is not escaped")
	}
}

func TestHTMLContent(t *testing.T) {
	audit := string(render(t, "html", auditReport(), Options{}))
	scan := string(render(t, "html", scanReport(), Options{}))
	cases := []struct {
		name, out, want string
	}{
		{"score gauge", audit, `aria-label="Score 72 out of 100"`},
		{"security bar", audit, `Security 20/30</div><div class="bar"><span style="width: 66%">`},
		{"severity badge", audit, `<span class="badge sev-high">2 high</span>`},
		{"zero badge", audit, `<span class="badge sev-info zero">0 info</span>`},
		{"valid", audit, `<span class="pill ok">&#10003; valid</span>`},
		{"owasp group", audit, `<h4>API4:2023 Unrestricted Resource Consumption</h4>`},
		{"rule title", audit, `<span class="title">Unbounded array</span>`},
		{"synthesised title", audit, `<span class="title">Data string no maxlength</span>`},
		{"highlighted line", audit, `<span class="line hit"><span class="ln">6</span>  - url: http://petstore.example.com/v1</span>`},
		{"excerpt starts 3 lines before", audit, `<pre><span class="line"><span class="ln">3</span>  title: Swagger Petstore</span>`},
		{"more operations", audit, `<summary>and 2 more</summary>`},
		{"patch as JSON", audit, "&#34;op&#34;: &#34;replace&#34;,\n    &#34;path&#34;: &#34;/servers/0/url&#34;"},
		{"fix hint", audit, `<strong>Fix:</strong> Serve the API over HTTPS only.`},
		{"suppressed", audit, `<p class="supp">Suppressed: Pet names are free text.</p>`},
		{"manual checks", audit, `<li>Check that the gateway enforces rate limits.</li>`},
		{"clean result", audit, `&#10003; No findings.`},
		{"expected", scan, `<dt>Expected</dt><dd>403 or 404 for another user&#39;s id</dd>`},
		{"request", scan, "<pre>POST http://127.0.0.1:8080/users\nContent-Type: application/json\n\n{&#34;name&#34;:</pre>"},
		{"response status", scan, `<span class="status s5xx">500</span>`},
		{"curl", scan, `<pre class="curl">curl -X POST`},
		{"counters", scan, `<div><dt>requests sent</dt><dd>37</dd></div>`},
	}
	for _, tc := range cases {
		if !strings.Contains(tc.out, tc.want) {
			t.Errorf("%s: output lacks %q", tc.name, tc.want)
		}
	}
	// Severity sections come worst first, and the excerpt of a finding
	// without a line is left out.
	if strings.Index(audit, `sev-group sev-critical`) > strings.Index(audit, `sev-group sev-high`) {
		t.Error("critical findings do not come first")
	}
	if strings.Count(audit, `class="excerpt"`) != 5 {
		t.Errorf("%d excerpts, want 5 (findings with a line and known source)", strings.Count(audit, `class="excerpt"`))
	}
}
