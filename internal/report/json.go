package report

import (
	"encoding/json"
	"io"
)

// writeJSON writes the report as indented JSON. Findings keep the order the
// caller gave them; map keys are sorted by encoding/json, so equal reports
// produce identical bytes. "<", ">" and "&" are written as themselves.
func writeJSON(w io.Writer, r *Report, _ Options) error {
	out := *r
	out.Results = make([]SpecResult, len(r.Results))
	copy(out.Results, r.Results)
	for i := range out.Results {
		if out.Results[i].Findings == nil {
			out.Results[i].Findings = []Finding{}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&out)
}
