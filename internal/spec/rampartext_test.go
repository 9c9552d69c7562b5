package spec

import (
	"strings"
	"testing"
)

func TestUnknownRampartExtensions(t *testing.T) {
	const doc = `openapi: 3.1.0
info: {title: t, version: "1"}
%s
paths:
  /a:
    get:
      %s
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  %s
`
	cases := []struct {
		name, root, op, prop string
		want                 []string // "line: message start"
	}{
		{"known extensions", "x-rampart-rate-limit: {key: ip, rate: 10, period: 1m}", "x-rampart-mode: monitor", "a: {type: string, x-rampart-blacklist: 'off'}", nil},
		{"misspelt at the operation", "", "x-rampart-mod: monitor", "a: {type: string}",
			[]string{"7: x-rampart-mod is not an extension rampart reads, so it applies nothing: did you mean x-rampart-mode?"}},
		{"misspelt at the top", "x-rampart-ratelimit: {key: ip, rate: 10, period: 1m}", "", "a: {type: string}",
			[]string{"3: x-rampart-ratelimit is not an extension rampart reads, so it applies nothing: did you mean x-rampart-rate-limit?"}},
		{"misspelt in a schema", "", "", "a: {type: string, x-rampart-blacklst: 'off'}",
			[]string{"16: x-rampart-blacklst is not an extension rampart reads, so it applies nothing: did you mean x-rampart-blacklist?"}},
		{"nothing near", "x-rampart-profile: financial", "", "a: {type: string}",
			[]string{"3: x-rampart-profile is not an extension rampart reads, so it applies nothing (known: x-rampart-blacklist,"}},
		// A property may be called anything; an example is data; an
		// extension's value is its owner's.
		{"a property's name", "", "", "x-rampart-note: {type: string}", nil},
		{"an example", "", "", "a: {type: object, example: {x-rampart-mod: 1}}", nil},
		{"inside another extension", "x-vendor: {x-rampart-mod: 1}", "", "a: {type: string}", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(strings.Replace(strings.Replace(doc, "%s", tc.root, 1), "%s", tc.op, 1), "%s", tc.prop, 1)
			d := loadString(t, text, Options{})
			got := d.UnknownRampartExtensions()
			if len(got) != len(tc.want) {
				t.Fatalf("problems %+v, want %d", got, len(tc.want))
			}
			for i, p := range got {
				s := itoa(p.Loc.Line) + ": " + p.Message
				if !strings.HasPrefix(s, tc.want[i]) || p.Code != "rampart-extension-unknown" || p.Error {
					t.Errorf("problem %s (%s, error %v), want %q", s, p.Code, p.Error, tc.want[i])
				}
			}
		})
	}
}
