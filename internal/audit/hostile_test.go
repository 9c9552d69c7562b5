package audit

import (
	"context"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/sharedtest"
	"github.com/rampart-sec/rampart/internal/spec"
)

// A definition can make the audit slow by construction; these finish in
// about a second each, where the audit once took minutes. The deadlines
// guard against that, they are not performance thresholds.
func TestHostileDefinitionsAreAuditedQuickly(t *testing.T) {
	text := sharedtest.HugePatternsDefinition(100)
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
