package spec

import "testing"

func TestURITemplateFormat(t *testing.T) {
	for _, c := range []struct {
		template string
		valid    bool
	}{
		{"https://github.com/settings/connections/applications{/client_id}", true},
		{"https://api.github.com/repos/{owner}/{repo}", true},
		{"https://api.github.com/user/repos{?type,page,per_page,sort}", true},
		{"https://api.github.com/notifications{?since,all,participating}", true},
		{"/search{?q,lang:3}{&page*}", true},
		{"{+base}/files{/path*}{#section}", true},
		{"{;x,y}{.ext}{=a}{!b}{@c}{|d}", true},
		{"https://x.example/{var.name}/{%20x}", true},
		{"https://x.example/plain", true},
		{"", true},
		{"https://x.example/{unclosed", false},
		{"https://x.example/closed}", false},
		{"https://x.example/{a{b}}", false},
		{"https://x.example/{}", false},
		{"https://x.example/{+}", false},
		{"https://x.example/{a b}", false},
		{"https://x.example/{a:0}", false},
		{"https://x.example/{a:10000}", false},
		{"https://x.example/{.a.}", false},
		{"https://x.example/{a-b}", false},
		{"http://[::1/{x}", false},
	} {
		if err := validURITemplate(c.template); (err == nil) != c.valid {
			t.Errorf("%q: %v, want valid %v", c.template, err, c.valid)
		}
	}
}

// FuzzURITemplate: no input panics, and a template called valid has its
// braces in pairs, none nested.
func FuzzURITemplate(f *testing.F) {
	for _, s := range []string{"https://x/{/a}{?b,c*}", "{+a:3}", "{", "}{", "{%zz}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if validURITemplate(s) != nil {
			return
		}
		depth := 0
		for _, c := range s {
			switch c {
			case '{':
				depth++
			case '}':
				depth--
			}
			if depth < 0 || depth > 1 {
				t.Fatalf("%q called valid with braces out of pairs", s)
			}
		}
		if depth != 0 {
			t.Fatalf("%q called valid with an unclosed brace", s)
		}
	})
}
