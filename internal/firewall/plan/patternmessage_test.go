package plan

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/sharedtest"
	"github.com/rampart-sec/rampart/internal/spec"
)

// A refusal quotes the pattern as the contract writes it, not the RE2
// form it runs as (ECMA-262 classes spelled out, {m} at a free end,
// a JavaScript literal's delimiters).
func TestPatternRefusalQuotesTheContract(t *testing.T) {
	patterns := []string{`^\S{1,5}$`, `[a-z0-9]{1,1000}[a-z]{1,10}!`, `/^[a-z]+$/`, `^\p{Alnum}+$`}
	var props strings.Builder
	for i, p := range patterns {
		props.WriteString("                p" + strconv.Itoa(i) + ": {type: string, pattern: " + strconv.Quote(p) + "}\n")
	}
	p := loadPlanText(t, `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
`+props.String()+`      responses: {'200': {description: ok}}
`, Config{})
	for i, pat := range patterns {
		body := `{"p` + strconv.Itoa(i) + `":"A B ~"}`
		vs := p.Ops[0].CheckRequest(&Request{ContentType: "application/json", Body: []byte(body), HasBody: true}, &p.Config, false)
		if len(vs) != 1 || !strings.Contains(vs[0].Detail, "does not match the pattern "+quoteName(pat)) {
			t.Errorf("%s: violations %+v, want the pattern quoted as written", pat, vs)
		}
	}
}

// A value of format regex is refused under the format's name as the
// contract writes it.
func TestFormatRegexRefusal(t *testing.T) {
	p := loadPlanText(t, `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /r:
    post:
      operationId: r
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {re: {type: string, format: regex}}}
      responses: {'200': {description: ok}}
`, Config{})
	op := opsByID(p)["r"]
	for _, c := range []struct {
		body   string
		detail string
	}{
		{`{"re":"^[a-z]{2,8}$"}`, ""},
		{`{"re":"(?<=x)y"}`, `not a valid "regex"`}, // lookbehind: RE2 cannot run it
		{`{"re":"[a-"}`, `not a valid "regex"`},
	} {
		vs := op.CheckRequest(&Request{ContentType: "application/json", Body: []byte(c.body), HasBody: true}, &p.Config, false)
		switch {
		case c.detail == "" && len(vs) != 0:
			t.Errorf("%s: %+v, want none", c.body, vs)
		case c.detail != "" && (len(vs) != 1 || !strings.Contains(vs[0].Detail, c.detail)):
			t.Errorf("%s: %+v, want a detail saying %q", c.body, vs, c.detail)
		}
	}
}

// The firewall loads a definition of a hundred patterns of a million RE2
// instructions each (46 s and 7 GB before the definition's budget) within
// a deadline, enforcing what fits and listing the rest. The deadline
// guards against the hang; it is not a performance threshold.
func TestHostileDefinitionBuildsQuickly(t *testing.T) {
	text := sharedtest.HugePatternsDefinition(100)
	type outcome struct {
		p   *Plan
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		doc, err := spec.LoadBytes(context.Background(), text, "api.json", "api.json", spec.Options{})
		if err != nil {
			done <- outcome{err: err}
			return
		}
		p, err := Build(context.Background(), doc, Config{})
		done <- outcome{p, err}
	}()
	select {
	case o := <-done:
		if o.err != nil {
			t.Fatal(o.err)
		}
		if n := strings.Count(strings.Join(o.p.Problems, "\n"), "RE2 instructions together"); n != 99 {
			t.Errorf("%d patterns listed past the budget, want 99", n)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("building the plan did not finish in 30 s: every pattern is compiled in full")
	}
}
