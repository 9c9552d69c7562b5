package cli

import (
	"fmt"
	"strings"
	"testing"
)

// TestAuditTextCountsOperationsBeyondTheListed: the audit lists the first
// 100 operations of a finding; the text report's "and N more" after the
// first five counts every other operation, not only the other listed ones.
func TestAuditTextCountsOperationsBeyondTheListed(t *testing.T) {
	cases := []struct {
		ops  int
		want string
	}{
		{7, "and 2 more\n"},
		{100, "and 95 more\n"},
		{101, "and 96 more\n"},
		{240, "and 235 more\n"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.ops), func(t *testing.T) {
			var b strings.Builder
			b.WriteString("openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\nservers: [{url: \"https://api.example.com\"}]\npaths:\n")
			for i := range tc.ops {
				fmt.Fprintf(&b, "  /r%03d:\n    get:\n      responses:\n        \"200\": {description: ok}\n", i)
			}
			spec := auditWriteFile(t, t.TempDir(), "api.yaml", b.String())
			code, out, stderr := auditRunCLI(t, "audit", spec)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			// sec-no-security is reported once, at the root, for every operation.
			_, block, ok := strings.Cut(out, "sec-no-security")
			if !ok {
				t.Fatalf("no sec-no-security finding:\n%s", out)
			}
			_, opsLine, _ := strings.Cut(block, "Operations: ")
			opsLine, _, _ = strings.Cut(opsLine, "\n")
			if !strings.HasSuffix(opsLine+"\n", tc.want) {
				t.Errorf("Operations: %s\nwant it to end %q", opsLine, tc.want)
			}
		})
	}
}
