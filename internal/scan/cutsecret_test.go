package scan

import (
	"strings"
	"testing"
)

// TestClippedSecretIsRedacted: a message quotes a clipped piece of an
// answer; a secret the clip cut across is no longer the whole secret, and
// its start was left in the report ("alice:pw-~~~>>>-sec... (truncated)").
func TestClippedSecretIsRedacted(t *testing.T) {
	const key = "live-key-5f3a9c21d7e84b06"
	r := newRedactor(false)
	r.addSecret(key)
	for _, tc := range []struct {
		name, in string
		leak     string // must not be in the output
		keep     string // must be
	}{
		{"cut inside the secret", clip("token="+key, 6+10), key[:10], "token="},
		{"whole secret before the cut", clip("token="+key+" and more text", 6+len(key)+4), key, "token="},
		{"cut after the first bytes", clip("k="+key, 2+5), key[:5], "k="},
		{"unrelated text before a cut", clip("ordinary answer text", 10), "", "ordinary a" + clipMark},
		{"two clipped pieces", clip("a="+key, 12) + " / " + clip("b="+key, 9), key[:10], "b=" + redacted + clipMark},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := r.text(tc.in)
			if tc.leak != "" && strings.Contains(got, tc.leak) {
				t.Errorf("%q still holds %q", got, tc.leak)
			}
			if !strings.Contains(got, tc.keep) {
				t.Errorf("%q lost %q", got, tc.keep)
			}
		})
	}
}
