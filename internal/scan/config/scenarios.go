package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pb33f/jsonpath/pkg/jsonpath"
	"github.com/rampart-sec/rampart/internal/report"
)

// Scenario is an ordered list of requests written by the user: a business
// flow the API must support (a happy path) or an abuse it must refuse (a
// security test). Values captured from one step's response are available
// to later steps as {{name}} (${NAME} stays the environment variable
// syntax of the whole file).
type Scenario struct {
	Name string `yaml:"name"`
	// Severity of the finding when an assertion fails (default medium).
	Severity string `yaml:"severity"`
	Steps    []Step `yaml:"steps"`
}

// Step is one request of a scenario.
type Step struct {
	// Request is "METHOD /path", the path relative to the target and
	// possibly holding {{var}} references, e.g. "GET /items/{{itemId}}".
	Request string `yaml:"request"`
	// As names the identity the request is sent as; empty: anonymous.
	As      string            `yaml:"as"`
	Query   map[string]any    `yaml:"query"`
	Headers map[string]string `yaml:"headers"`
	// Body is sent as JSON; string values may hold {{var}} references.
	Body any `yaml:"body"`
	// Capture maps variable names to JSONPath expressions on the response
	// body, e.g. {itemId: $.id}.
	Capture map[string]string `yaml:"capture"`
	Expect  Expect            `yaml:"expect"`
}

// Expect are the assertions on a step's response.
type Expect struct {
	// Status lists accepted status codes (default: any 2xx).
	Status []int `yaml:"status"`
	// Body maps JSONPath expressions to the value expected there.
	Body map[string]any `yaml:"body"`
	// Headers maps header names to a value they must contain.
	Headers map[string]string `yaml:"headers"`
}

var methodRe = regexp.MustCompile(`^[A-Za-z]+$`)

var scenarioVar = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// ScenarioVar matches {{name}} references in scenario steps.
func ScenarioVar() *regexp.Regexp { return scenarioVar }

// validateScenarios checks the scenarios; known is the set of identities.
func (c *Config) validateScenarios(known map[string]bool, bad func(string, ...any)) {
	names := map[string]bool{}
	for i, s := range c.Scenarios {
		where := fmt.Sprintf("scenarios[%d]", i)
		if s.Name == "" {
			bad("%s.name: required", where)
		} else if names[s.Name] {
			bad("%s.name: duplicate scenario %q", where, s.Name)
		}
		names[s.Name] = true
		if s.Severity != "" {
			if _, err := report.ParseSeverity(s.Severity); err != nil {
				bad("%s.severity: %v", where, err)
			}
		}
		if len(s.Steps) == 0 {
			bad("%s.steps: at least one step is required", where)
		}
		defined := map[string]bool{}
		for k := range c.Variables {
			defined[k] = true
		}
		for j, st := range s.Steps {
			sw := fmt.Sprintf("%s.steps[%d]", where, j)
			m, p, ok := strings.Cut(strings.TrimSpace(st.Request), " ")
			if !ok || !strings.HasPrefix(strings.TrimSpace(p), "/") || !methodRe.MatchString(m) {
				bad("%s.request: %q is not \"METHOD /path\"", sw, st.Request)
			}
			for _, ref := range scenarioVar.FindAllStringSubmatch(st.Request, -1) {
				if !defined[ref[1]] {
					bad("%s.request: {{%s}} is not captured by an earlier step (nor a variable)", sw, ref[1])
				}
			}
			if st.As != "" && !known[st.As] {
				bad("%s.as: no identity named %q", sw, st.As)
			}
			for _, code := range st.Expect.Status {
				if code < 100 || code > 599 {
					bad("%s.expect.status: %d is not an HTTP status", sw, code)
				}
			}
			for path := range st.Expect.Body {
				if _, err := jsonpath.NewPath(path); err != nil {
					bad("%s.expect.body: JSONPath %q: %v", sw, path, err)
				}
			}
			for name, path := range st.Capture {
				if _, err := jsonpath.NewPath(path); err != nil {
					bad("%s.capture.%s: JSONPath %q: %v", sw, name, path, err)
				}
				defined[name] = true
			}
		}
	}
	if rl := c.RateLimit; rl != nil {
		if rl.Burst < 0 || rl.Burst > 1000 {
			bad("rate_limit.burst: must be between 1 and 1000")
		}
	}
}

// RateLimit enables the rate-limiting probe: a burst of failed attempts on
// the login operation (or Operation) that must meet a 429.
type RateLimit struct {
	Burst int `yaml:"burst"`
	// Operation is the operation to burst ("METHOD /path"); default: the
	// login operation found in the definition.
	Operation string `yaml:"operation"`
}
