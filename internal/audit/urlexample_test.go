package audit

import (
	"encoding/json"
	"strings"
	"testing"
)

// A request value whose example or default is an absolute http(s) URL is
// URL input whatever its name: crAPI's mechanic_api is documented only by
// the example of its request body.
func TestURLInputByExample(t *testing.T) {
	const body = "/paths/~1pets~1{petId}/put/requestBody/content/application~1json"
	cases := []struct {
		name   string
		mutate func(d map[string]any)
		at     string // "" when no exp-url-input is wanted
	}{
		{"media type example (crAPI)", func(d map[string]any) {
			set(d, body, j(`{"schema":{"type":"object","additionalProperties":false,"properties":{"mechanic_api":{"type":"string","maxLength":200,"pattern":"^[ -~]{1,200}$"},"vin":{"type":"string","maxLength":17,"pattern":"^[A-Z0-9]{17}$"}}},
				"example":{"mechanic_api":"http://localhost:8000/workshop/api/mechanic/receive_report","vin":"8UOLV89RGKL908077"}}`))
		}, body + "/schema/properties/mechanic_api"},
		{"named media type example through $ref", func(d map[string]any) {
			set(d, "/components/examples", j(`{"Hook":{"value":{"target":"https://hooks.example.com/x"}}}`))
			set(d, "/components/schemas/Hook", j(`{"type":"object","additionalProperties":false,"properties":{"target":{"type":"string","maxLength":200,"pattern":"^[ -~]{1,200}$"}}}`))
			set(d, body, j(`{"schema":{"$ref":"#/components/schemas/Hook"},"examples":{"one":{"$ref":"#/components/examples/Hook"}}}`))
		}, "/components/schemas/Hook/properties/target"},
		{"nested object and allOf member", func(d map[string]any) {
			set(d, body, j(`{"schema":{"allOf":[{"type":"object","properties":{"report":{"type":"object","properties":{"sink":{"type":"string","maxLength":200}}}}}]},
				"example":{"report":{"sink":"http://10.0.0.1/admin"}}}`))
		}, body + "/schema/allOf/0/properties/report/properties/sink"},
		{"property example", func(d map[string]any) {
			set(d, pet+"/properties/target", j(`{"type":"string","maxLength":200,"pattern":"^[ -~]{1,200}$","example":"https://partner.example.com/notify"}`))
		}, pet + "/properties/target"},
		{"property default", func(d map[string]any) {
			set(d, pet+"/properties/target", j(`{"type":"string","maxLength":200,"pattern":"^[ -~]{1,200}$","default":"http://localhost:9000"}`))
		}, pet + "/properties/target"},
		{"object example", func(d map[string]any) {
			set(d, pet+"/properties/target", j(`{"type":"string","maxLength":200,"pattern":"^[ -~]{1,200}$"}`))
			set(d, pet+"/example", j(`{"name":"rex","target":"http://internal.example.com/"}`))
		}, pet + "/properties/target"},
		{"query parameter example", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"source","in":"query","example":"https://feeds.example.com/rss","schema":{"type":"string","maxLength":200,"pattern":"^[ -~]{1,200}$"}}]`))
		}, op + "/parameters/1"},
		// Not URL input.
		{"example that is no absolute URL", func(d map[string]any) {
			set(d, pet+"/properties/target", j(`{"type":"string","maxLength":200,"pattern":"^[ -~]{1,200}$","example":"/pets/1"}`))
		}, ""},
		{"mailto example", func(d map[string]any) {
			set(d, pet+"/properties/target", j(`{"type":"string","maxLength":200,"pattern":"^[ -~]{1,200}$","example":"mailto:a@example.com"}`))
		}, ""},
		{"response-only property", func(d map[string]any) {
			set(d, "/components/schemas/Links", j(`{"type":"object","additionalProperties":false,"properties":{"self":{"type":"string","maxLength":200,"pattern":"^[ -~]{1,200}$","example":"https://api.example.com/pets/1"}}}`))
			set(d, op+"/responses/200/content/application~1json/schema", j(`{"$ref":"#/components/schemas/Links"}`))
		}, ""},
		{"response example", func(d map[string]any) {
			set(d, op+"/responses/200/content/application~1json/example", j(`{"name":"https://api.example.com/pets/1"}`))
		}, ""},
		{"CORS origin", func(d map[string]any) {
			set(d, pet+"/properties/allowedOrigins", j(`{"type":"array","maxItems":5,"items":{"type":"string","maxLength":200,"pattern":"^[ -~]{1,200}$"},"example":["https://app.example.com"]}`))
		}, ""},
		{"schema identifier", func(d map[string]any) {
			set(d, pet+"/properties/$schema", j(`{"type":"string","maxLength":200,"pattern":"^[ -~]{1,200}$","example":"https://json-schema.org/draft/2020-12/schema"}`))
		}, ""},
		{"Referer header", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"Referer","in":"header","example":"https://www.example.com/","schema":{"type":"string","maxLength":200,"pattern":"^[ -~]{1,200}$"}}]`))
		}, ""},
		{"boolean with a URL example", func(d map[string]any) {
			set(d, pet+"/properties/follow", j(`{"type":"boolean","example":"http://x.example.com"}`))
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := base()
			tc.mutate(d)
			text, _ := json.Marshal(d)
			got := findingsOf(auditText(t, string(text), Options{}), "exp-url-input")
			if tc.at == "" {
				if len(got) > 0 {
					t.Fatalf("unexpected exp-url-input at %s: %s", got[0].Location.Pointer, got[0].Message)
				}
				return
			}
			if len(got) != 1 || got[0].Location.Pointer != tc.at {
				var at []string
				for _, f := range got {
					at = append(at, f.Location.Pointer)
				}
				t.Fatalf("exp-url-input at %v, want one at %s", at, tc.at)
			}
			// The message quotes the scheme and host, never the path or
			// query an example may carry a secret in.
			if strings.Contains(got[0].Message, "receive_report") || strings.Contains(got[0].Message, "/notify") {
				t.Errorf("message quotes the example's path: %s", got[0].Message)
			}
		})
	}
}

// A value a name or a URL format already reports is one finding, whatever
// its example says.
func TestURLExampleReportedOnce(t *testing.T) {
	for name, prop := range map[string]string{
		"callback_url": `{"type":"string","maxLength":200,"pattern":"^[ -~]{1,200}$","example":"https://a.example.com"}`,
		"target":       `{"type":"string","maxLength":200,"format":"uri","example":"https://a.example.com"}`,
	} {
		d := base()
		set(d, pet+"/properties/"+name, j(prop))
		set(d, pet+"/example", j(`{"name":"rex","`+name+`":"https://b.example.com"}`))
		text, _ := json.Marshal(d)
		if got := findingsOf(auditText(t, string(text), Options{}), "exp-url-input"); len(got) != 1 {
			t.Errorf("%s: %d exp-url-input findings, want 1", name, len(got))
		}
	}
	// A media type example does not change what the name already says.
	d := base()
	set(d, pet+"/properties/callback_url", j(`{"type":"string","maxLength":200,"pattern":"^[ -~]{1,200}$"}`))
	set(d, "/paths/~1pets~1{petId}/put/requestBody/content/application~1json/example", j(`{"name":"rex","callback_url":"https://b.example.com"}`))
	text, _ := json.Marshal(d)
	got := findingsOf(auditText(t, string(text), Options{}), "exp-url-input")
	if len(got) != 1 || !strings.Contains(got[0].Message, "looks like a URL") {
		t.Errorf("findings %+v, want one reported by its name", got)
	}
}
