package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/spec"
)

// A definition can make the audit slow by construction; these finish in
// about a second each, where the audit once took minutes. The deadlines
// guard against that, they are not performance thresholds.
func TestHostileDefinitionsAreAuditedQuickly(t *testing.T) {
	patterns := map[string]any{}
	for i := range 100 {
		// A million RE2 instructions each, in 7 KB.
		patterns[fmt.Sprintf("p%d", i)] = map[string]any{"type": "string", "pattern": "^" + strings.Repeat("a{1000}", 1000) + fmt.Sprint(i) + "$"}
	}
	def := map[string]any{
		"openapi": "3.1.0", "info": map[string]any{"title": "h", "version": "1"},
		"paths": map[string]any{"/x": map[string]any{"post": map[string]any{
			"requestBody": map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object", "properties": patterns}}}},
			"responses":   map[string]any{"200": map[string]any{"description": "ok"}},
		}}},
	}
	text, err := json.Marshal(def)
	if err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		unsupported int
		err         error
	}
	done := make(chan outcome, 1)
	go func() {
		doc, err := spec.LoadBytes(context.Background(), text, "api.json", "api.json", spec.Options{})
		if err != nil {
			done <- outcome{err: err}
			return
		}
		res, err := Audit(context.Background(), doc, Options{})
		if err != nil {
			done <- outcome{err: err}
			return
		}
		done <- outcome{unsupported: len(findingsOf(res, "data-pattern-unsupported"))}
	}()
	select {
	case o := <-done:
		// The definition's budget compiles one of them.
		if o.err != nil || o.unsupported != 99 {
			t.Errorf("%d patterns reported past the budget (%v), want 99", o.unsupported, o.err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("auditing 100 patterns of a million instructions did not finish in 60 s: each is compiled in full")
	}
}
