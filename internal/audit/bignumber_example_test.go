package audit

import (
	"strings"
	"testing"
)

// An example holding a number the schema engine cannot hold in its exact
// arithmetic (1e10000000 against maximum: 10) made the audit panic while
// checking it. It is reported as a value the schema engine could not
// judge, and the audit goes on.
func TestExampleNumberBeyondTheEngine(t *testing.T) {
	res := auditBytes(t, []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/n":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"number","maximum":10,"example":1e10000000}}}}}}}}}`))
	for _, f := range findingsOf(res, "data-value-invalid") {
		if strings.Contains(f.Message, "1e10000000") && strings.Contains(f.Message, "schema engine failed on this value") {
			return
		}
	}
	t.Errorf("no data-value-invalid finding for the example; findings: %+v", res.Findings)
}

// A schema keyword beyond the engine's exact arithmetic (multipleOf:
// 1e-10000000) made the audit panic while loading; it is struct-invalid,
// saying the engine fails on the schema.
func TestSchemaNumberBeyondTheEngine(t *testing.T) {
	res := auditBytes(t, []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/n":{"get":{"parameters":[{"name":"b","in":"query","schema":{"type":"number","multipleOf":1e-10000000}}],"responses":{"200":{"description":"ok"}}}}}}`))
	for _, f := range findingsOf(res, "struct-invalid") {
		if strings.Contains(f.Message, "schema engine fails on this schema") {
			return
		}
	}
	t.Errorf("no struct-invalid finding naming the engine; findings: %+v", res.Findings)
}
