package firewall

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// TestValidateConfigPlacesValueProblems checks the problems about a value
// the loader cannot store (a number for a duration, an integer out of
// range) and about list elements: each names its key path and points at
// the value, with a message that says what to write.
func TestValidateConfigPlacesValueProblems(t *testing.T) {
	const stars = "cors:\n  allowed_origins: [\"https://a.example\"]\n  allow_credentials: true\n  allowed_headers: [\"*\"]\n  exposed_headers: [X-Id, \"*\"]\n"
	cases := []struct {
		name string
		yaml string
		want []string // every problem, formatted for c.yaml
	}{
		{"duration as an integer", "timeouts:\n  read: 0\n",
			[]string{"c.yaml:2:9: timeouts.read: write a duration with its unit, such as 0s or 10s"}},
		{"duration as an integer, flow style", "response_headers: {hsts: {max_age: 10}}\n",
			[]string{"c.yaml:1:36: response_headers.hsts.max_age: write a duration with its unit, such as 0s or 10s"}},
		{"duration as a float", "audit:\n  wait: 1.5\n",
			[]string{"c.yaml:2:9: audit.wait: write a duration with its unit, such as 0s or 10s"}},
		{"two durations as integers", "timeouts: {read: 0, write: 0}\n", []string{
			"c.yaml:1:18: timeouts.read: write a duration with its unit, such as 0s or 10s",
			"c.yaml:1:28: timeouts.write: write a duration with its unit, such as 0s or 10s",
		}},
		// jwt.leeway and jwt.max_age are keys where 0 means something (no
		// leeway, no limit); elsewhere 0 is refused as meaningless.
		{"duration 0 as a string", "authentication: {schemes: {b: {jwt: {jwks_url: \"https://idp.example/jwks.json\", leeway: \"0\", max_age: 0s}}}}\n", nil},
		{"duration 0 where it means nothing", "timeouts: {read: \"0\", write: 0s}\n", []string{
			"c.yaml:1:18: timeouts.read: 0 must be positive (omit the key for the default, 30s)",
			"c.yaml:1:30: timeouts.write: 0s must be positive (omit the key for the default, 60s)",
		}},
		{"duration longer than int64 nanoseconds", "timeouts:\n  upstream: 9999999999h\n",
			[]string{"c.yaml:2:13: timeouts.upstream: 9999999999h is longer than the longest duration, 2562047h47m16.854775807s"}},
		{"integer over int64", "rate_limits:\n  rules:\n    - {name: a, key: ip, rate: 99999999999999999999, period: 1s}\n",
			[]string{"c.yaml:3:32: rate_limits.rules[0].rate: 99999999999999999999 is too large (at most 9223372036854775807)"}},
		{"integer over int64, block style", "rate_limits:\n  credential_endpoints:\n    rate: 99999999999999999999\n",
			[]string{"c.yaml:3:11: rate_limits.credential_endpoints.rate: 99999999999999999999 is too large (at most 9223372036854775807)"}},
		{"largest int64", "limits: {max_body_bytes: 9223372036854775807}\n", nil},
		{"one over the largest int64", "limits: {max_body_bytes: 9223372036854775808}\n",
			[]string{"c.yaml:1:26: limits.max_body_bytes: 9223372036854775808 is too large (at most 9223372036854775807)"}},
		{"under the smallest int64", "limits:\n  max_json_depth: -9223372036854775809\n",
			[]string{"c.yaml:2:19: limits.max_json_depth: -9223372036854775809 must be at least 1"}},
		{"exponent over int64", "limits: {max_body_bytes: 1e30}\n",
			[]string{"c.yaml:1:26: limits.max_body_bytes: 1e30 is too large (at most 9223372036854775807)"}},
		{"float that rounds to 2^63", "limits: {max_body_bytes: 9.223372036854775807e18}\n",
			[]string{"c.yaml:1:26: limits.max_body_bytes: 9.223372036854775807e18 is too large (at most 9223372036854775807)"}},
		{"infinity for an integer", "limits: {max_body_bytes: .inf}\n",
			[]string{"c.yaml:1:10: limits.max_body_bytes: got number, want integer"}},
		{"explicit tag that does not fit", "limits:\n  max_body_bytes: !!int 10s\n",
			[]string{"c.yaml:2:19: limits.max_body_bytes: cannot decode !!str `10s` as a !!int"}},
		{"repeated key", "mode: block\nmode: monitor\n",
			[]string{"c.yaml:2:1: mode: repeated key (first at line 1)"}},
		{"cors: an allowed header", "cors: {allowed_origins: [\"https://a.example\"], allowed_headers: [\"bad header\"]}\n",
			[]string{`c.yaml:1:66: cors.allowed_headers[0]: "bad header" is not a header name`}},
		{"cors: an exposed header", "cors:\n  allowed_origins: [\"https://a.example\"]\n  allowed_headers: [X-A]\n  exposed_headers:\n    - X-B\n    - \"bad header\"\n",
			[]string{`c.yaml:6:7: cors.exposed_headers[1]: "bad header" is not a header name`}},
		{"cors: a wildcard header with credentials", stars, []string{
			`c.yaml:4:21: cors.allowed_headers[0]: "*" is not a wildcard when credentials are allowed (browsers treat it as a name); list the headers`,
			`c.yaml:5:27: cors.exposed_headers[1]: "*" is not a wildcard when credentials are allowed (browsers treat it as a name); list the headers`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := validated(tc.yaml)
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// TestConfigSchemaAgreesWithDecoder puts sample scalars at every scalar
// key of the schema: when the schema accepts one the loader cannot
// decode, `config validate` must still report it, at the value and with
// its key path, before the loader fails on it.
func TestConfigSchemaAgreesWithDecoder(t *testing.T) {
	samples := []string{
		"0", "10", "-1", "1.5", `"0"`, `"10"`, "0s", "10s", "-5s", "1m30s", "9999999999h",
		"99999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
		"1e3", "1e30", ".inf", ".nan", "0x10", "true", "yes", "abc", "~", "2001-12-14",
	}
	leaves := scalarLeaves(configSchemaDoc(), nil)
	if len(leaves) < 50 {
		t.Fatalf("only %d scalar keys found in the schema", len(leaves))
	}
	for _, leaf := range leaves {
		var prefix, suffix, path string
		for _, tok := range leaf.tokens {
			switch tok {
			case "[]":
				prefix, suffix, path = prefix+"[", "]"+suffix, path+"[0]"
			case "*":
				prefix, suffix, path = prefix+"{k: ", "}"+suffix, join(path, "k")
			default:
				prefix, suffix, path = prefix+"{"+tok+": ", "}"+suffix, join(path, tok)
			}
		}
		decodedOnce := false
		for _, v := range slices.Concat(samples, leaf.enum) {
			doc := prefix + v + suffix + "\n"
			var c Config
			dec := yaml.NewDecoder(strings.NewReader(doc))
			dec.KnownFields(true)
			derr := dec.Decode(&c)
			if errors.Is(derr, io.EOF) {
				derr = nil
			}
			if schemaAccepts(t, doc) {
				if derr == nil {
					decodedOnce = true
					continue
				}
				ps := ValidateConfig([]byte(doc))
				want := ConfigProblem{Line: 1, Column: len(prefix) + 1, Path: path}
				if len(ps) != 1 || ps[0].Line != want.Line || ps[0].Column != want.Column || ps[0].Path != want.Path || strings.Contains(ps[0].Message, "cannot unmarshal") {
					t.Errorf("%s: the schema accepts it, the loader says %v; validate says %v, want one problem at %d:%d about %s", doc[:len(doc)-1], derr, ps, want.Line, want.Column, want.Path)
				}
			}
		}
		if !decodedOnce {
			t.Errorf("%s: the schema accepts none of %q that the loader reads", path, slices.Concat(samples, leaf.enum))
		}
	}
}

type schemaLeaf struct {
	tokens []string // property names, "*" for a map value, "[]" for an item
	enum   []string
}

// scalarLeaves lists the keys of the schema s whose values are scalars.
func scalarLeaves(s map[string]any, tokens []string) []schemaLeaf {
	var out []schemaLeaf
	if props, ok := s["properties"].(map[string]any); ok {
		for _, k := range sortedKeys(props) {
			out = append(out, scalarLeaves(props[k].(map[string]any), append(slices.Clip(tokens), k))...)
		}
		return out
	}
	if ap, ok := s["additionalProperties"].(map[string]any); ok {
		return scalarLeaves(ap, append(slices.Clip(tokens), "*"))
	}
	if it, ok := s["items"].(map[string]any); ok {
		return scalarLeaves(it, append(slices.Clip(tokens), "[]"))
	}
	leaf := schemaLeaf{tokens: tokens}
	if e, ok := s["enum"].([]any); ok {
		for _, v := range e {
			if str, ok := v.(string); ok && str == "" {
				continue
			}
			leaf.enum = append(leaf.enum, fmt.Sprint(v))
		}
	}
	return []schemaLeaf{leaf}
}

// schemaAccepts reports whether the published schema accepts the YAML
// document, as `config validate` converts it.
func schemaAccepts(t *testing.T, doc string) bool {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatalf("%s: %v", doc, err)
	}
	inst, err := newNodeWalk().value(n.Content[0], "")
	if err != nil {
		return false
	}
	return configValidator().Validate(inst) == nil
}

// TestDecodeProblemPlacement checks that each of the decoder's errors is
// placed at the value or key it is about, with its key path, for Go types
// the schema does not guard.
func TestDecodeProblemPlacement(t *testing.T) {
	type target struct {
		D     time.Duration `yaml:"d"`
		N     int8          `yaml:"n"`
		U     uint16        `yaml:"u"`
		Inner struct {
			List []int8 `yaml:"list"`
		} `yaml:"inner"`
	}
	cases := []struct {
		name string
		yaml string
		want []string
	}{
		{"number for a duration", "d: 5\n", []string{"line 1:4: d: write a duration with its unit, such as 0s or 10s"}},
		{"text for a duration", "n: 1\nd: soon\n", []string{`line 2:4: d: "soon" is not a duration: write a duration with its unit, such as 0s or 10s`}},
		{"list for a duration", "d: [1]\n", []string{"line 1:4: d: cannot unmarshal !!seq into time.Duration"}},
		{"int8 too large", "n: 300\n", []string{"line 1:4: n: 300 is too large (at most 127)"}},
		{"int8 too large, long value cut by the decoder", "n:   1234567890123\n", []string{"line 1:6: n: 1234567890123 is too large (at most 127)"}},
		{"uint16 negative", "u: -1\n", []string{"line 1:4: u: -1 is too small (at least 0)"}},
		{"several on one line, same value", "inner:\n  list: [1, 200, 3, 200]\n", []string{
			"line 2:13: inner.list[1]: 200 is too large (at most 127)",
			"line 2:21: inner.list[3]: 200 is too large (at most 127)",
		}},
		{"several lines", "u: -1\nn: 128\n", []string{
			"line 1:4: u: -1 is too small (at least 0)",
			"line 2:4: n: 128 is too large (at most 127)",
		}},
		{"unknown field", "n: 1\nextra: 1\n", []string{"line 2:1: extra: field extra not found in type firewall.target"}},
		// The second error is about the same node, through an alias: only
		// its line is known.
		{"alias of a value too large", "n: &x 300\ninner: {list: [*x]}\n", []string{
			"line 1:1: cannot unmarshal !!int `300` into int8",
			"line 1:4: n: 300 is too large (at most 127)",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tc.yaml), &doc); err != nil {
				t.Fatal(err)
			}
			w := newNodeWalk()
			if _, err := w.value(doc.Content[0], ""); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range w.decode([]byte(tc.yaml), &target{}) {
				got = append(got, p.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// TestConfigSchemaDurationsAreStrings checks the published schema: a
// duration is a string with its unit, an integer has the range of its Go
// type.
func TestConfigSchemaDurationsAreStrings(t *testing.T) {
	cases := []struct {
		loc  []string
		want string
	}{
		{[]string{"timeouts", "read"}, `{"description":"Default 30s. Positive.","pattern":"^-?([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^0$","type":"string"}`},
		{[]string{"response_headers", "hsts", "max_age"}, `{"description":"HSTS max-age, on TLS responses. Default 8760h. Write a negative duration to disable HSTS; 0 is refused.","pattern":"^-?([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^0$","type":"string"}`},
		{[]string{"limits", "max_body_bytes"}, `{"description":"Largest request body, in bytes; over it: 413. Default 1 MiB. At least 1.","maximum":9223372036854775807,"minimum":1,"type":"integer"}`},
		{[]string{"rate_limits", "redis", "db"}, `{"description":"Not negative.","maximum":9223372036854775807,"minimum":0,"type":"integer"}`},
		{[]string{"version"}, `{"description":"Version of the configuration format: 1. Optional; a file written for another version is refused rather than misread.","enum":[1],"type":"integer"}`},
	}
	for _, tc := range cases {
		s := schemaAt(tc.loc)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(buf.String()); got != tc.want {
			t.Errorf("%s: %s, want %s", strings.Join(tc.loc, "."), got, tc.want)
		}
	}
}

// validated is what `rampart config validate` prints for a file c.yaml
// holding yaml, a line per problem.
func validated(yaml string) []string {
	var got []string
	for _, p := range ValidateConfig([]byte(yaml)) {
		got = append(got, p.Format("c.yaml"))
	}
	return got
}
