package cli

import (
	"strings"
	"testing"
)

// TestLimitFlagsBelowOne: a size, depth or cap below 1 is a usage error
// on every command that takes it; each used to read as "unset" and run
// with the default (--max-body 0 as 1 MiB, --max-depth 0 as 512).
func TestLimitFlagsBelowOne(t *testing.T) {
	const petstore = "../../examples/petstore-3.1.yaml"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"audit", petstore, "--max-file-size", "-5"}, "--max-file-size -5"},
		{[]string{"spec", "inspect", petstore, "--max-depth", "0"}, "--max-depth 0"},
		{[]string{"scan", petstore, "--target", "http://127.0.0.1:1", "--max-depth", "0"}, "--max-depth 0"},
		{[]string{"scan", petstore, "--target", "http://127.0.0.1:1", "--max-response-bytes", "0"}, "--max-response-bytes 0"},
		{[]string{"protect", "--spec", petstore, "--upstream", "http://127.0.0.1:1", "--max-body", "0"}, "--max-body 0"},
		{[]string{"protect", "--spec", petstore, "--upstream", "http://127.0.0.1:1", "--max-file-size", "0"}, "--max-file-size 0"},
	} {
		t.Run(strings.Join(tc.args[:2], " ")+" "+tc.want, func(t *testing.T) {
			code, _, stderr := run(t, "", tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 naming %q", code, stderr, tc.want)
			}
		})
	}
}
