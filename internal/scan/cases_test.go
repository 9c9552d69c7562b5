package scan

import "testing"

func TestCasesSummary(t *testing.T) {
	ct := "Content-Type: application/problem+json"
	many := make([]string, 15)
	for i := range many {
		many[i] = string(rune('a' + i))
	}
	tests := []struct {
		name    string
		details []string
		want    string
	}{
		{"identical details read once", []string{ct, ct, ct}, "3 cases, each: " + ct},
		{"distinct details in the order seen", []string{"status 200", "status 201"}, "2 cases: status 200; status 201"},
		{"repeats counted", []string{"b", "a", "b", "b"}, "4 cases: b (x3); a"},
		{"long lists cut", many, "15 cases: a; b; c; d; e; f; g; h; i; j; k; l; and 3 more"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := casesSummary(tc.details); got != tc.want {
				t.Errorf("casesSummary = %q, want %q", got, tc.want)
			}
		})
	}
}
