package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestJSONRoundTrip(t *testing.T) {
	for _, r := range []*Report{auditReport(), scanReport(), {Tool: "rampart", Kind: "audit"}} {
		out := render(t, "json", r, Options{})
		var back Report
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		if back.Tool != r.Tool || back.Kind != r.Kind || len(back.Results) != len(r.Results) {
			t.Fatalf("round trip lost the header: %+v", back)
		}
		for i := range r.Results {
			if len(back.Results[i].Findings) != len(r.Results[i].Findings) || len(back.Results[i].Suppressed) != len(r.Results[i].Suppressed) {
				t.Errorf("result %d: findings lost", i)
			}
		}
		again := render(t, "json", &back, Options{})
		if !bytes.Equal(out, again) {
			t.Errorf("JSON changed after a round trip:\n%s\n---\n%s", out, again)
		}
	}
}

func TestJSONShape(t *testing.T) {
	out := render(t, "json", auditReport(), Options{})
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tool", "version", "kind", "results"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("no %q key", k)
		}
	}
	if len(doc) != 4 {
		t.Errorf("top-level keys %v, want tool, version, kind, results", doc)
	}
	clean := doc["results"].([]any)[1].(map[string]any)
	if f, ok := clean["findings"].([]any); !ok || len(f) != 0 {
		t.Errorf("findings of a clean result = %#v, want []", clean["findings"])
	}
	if _, ok := clean["source"]; ok {
		t.Error("source is serialised")
	}
	s := string(out)
	if !strings.Contains(s, `<script>alert(1)</script>`) || !strings.HasPrefix(s, "{\n  \"tool\"") || !strings.HasSuffix(s, "}\n") {
		t.Error("JSON is not indented, or escapes <, >, &")
	}
	if !strings.Contains(s, `"severity": "critical"`) {
		t.Error("severity is not written by name")
	}
}
