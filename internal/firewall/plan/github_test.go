package plan

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/firewall/route"
	"github.com/rampart-sec/rampart/internal/sharedtest"
)

// Requests as GitHub's REST documentation shows them, routed and checked
// through the plan of GitHub's published definition: each must pass, the
// invalid variants must not. The file paths and git refs GitHub marks
// x-multi-segment (contents/{path}, git/ref/{ref}) span several segments.
func TestGitHubRequests(t *testing.T) {
	p := loadPlan(t, sharedtest.Path(t, "specs", "api.github.com.yaml"), Config{})
	const js = "application/json"
	cases := []struct {
		name, method, target, body string
		route                      error  // the router's refusal, if any
		reason                     string // "" for a request that must pass
	}{
		{"issues filtered", "GET", "/repos/octo/hello/issues?state=open&labels=bug,ui&sort=created&direction=desc&per_page=100&page=2", "", nil, ""},
		{"repository search", "GET", "/search/repositories?q=tetris+language%3Aassembly&sort=stars&order=desc", "", nil, ""},
		{"issue created", "POST", "/repos/octo/hello/issues", `{"title":"Found a bug","body":"I'm having a problem with this.","assignees":["octocat"],"milestone":1,"labels":["bug"]}`, nil, ""},
		{"repository updated", "PATCH", "/repos/octo/hello", `{"name":"Hello-World","description":"This is your first repository","homepage":"https://github.com","private":true,"has_issues":true}`, nil, ""},
		{"pull request opened", "POST", "/repos/octo/hello/pulls", `{"title":"Amazing new feature","body":"Please pull these awesome changes in!","head":"octocat:new-feature","base":"master"}`, nil, ""},
		{"file written", "PUT", "/repos/octo/hello/contents/docs/readme.md", `{"message":"my commit message","committer":{"name":"Monalisa Octocat","email":"octocat@github.com"},"content":"bXkgbmV3IGZpbGUgY29udGVudHM="}`, nil, ""},
		{"file read at a ref", "GET", "/repos/octo/hello/contents/docs/readme.md?ref=main", "", nil, ""},
		{"git ref read", "GET", "/repos/octo/hello/git/ref/heads/feature-a", "", nil, ""},
		{"commit status", "GET", "/repos/octo/hello/commits/heads/main/status", "", nil, ""},
		{"repository dispatch", "POST", "/repos/octo/hello/dispatches", `{"event_type":"on-demand-test","client_payload":{"unit":false,"integration":true}}`, nil, ""},

		{"file path with a dot-segment", "GET", "/repos/octo/hello/contents/docs/../secrets", "", route.ErrAmbiguous, ""},
		{"issue number not a number", "GET", "/repos/octo/hello/issues/first", "", nil, ReasonParamInvalid},
		{"issue without a title", "POST", "/repos/octo/hello/issues", `{"body":"no title"}`, nil, ReasonMissingProp},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path, query, _ := strings.Cut(c.target, "?")
			m, _, err := p.Router.Lookup(c.method, path)
			if c.route != nil || err != nil {
				if !errors.Is(err, c.route) {
					t.Fatalf("route: %v, want %v", err, c.route)
				}
				return
			}
			in := &Request{RawQuery: query, PathParams: m.Params, Header: http.Header{}}
			if err := PathValues(in.PathParams); err != nil {
				t.Fatal(err)
			}
			if c.body != "" {
				in.ContentType, in.Body, in.HasBody = js, []byte(c.body), true
			}
			vs := m.Value.CheckRequest(in, &p.Config, false)
			switch {
			case c.reason == "" && len(vs) > 0:
				t.Errorf("refused: %s: %s", vs[0].Reason, vs[0].Detail)
			case c.reason != "" && (len(vs) == 0 || vs[0].Reason != c.reason):
				t.Errorf("violations %+v, want %s", vs, c.reason)
			}
		})
	}
}
