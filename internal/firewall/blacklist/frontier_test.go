package blacklist

import (
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/corazawaf/coraza/v3/types"
)

// The exclusion frontier answers one question with data: can removing
// CRS rules (SecRuleRemoveById, the CRS's own tuning method and the crs
// tier's exclude_rules) bring paranoia level 2 to the false-positive goal
// while keeping its detection goal? Each string of each corpus sample is
// scored once at paranoia level 4 and every matched attack rule is kept
// with its anomaly score and level; a rule set is then evaluated offline
// (same verdicts as the tier: default tier, or an anomaly score of at
// least 5 from the remaining rules of level <= 2). Rules are removed
// greedily, the one with the most false positives saved per detection
// lost first.

// ruleHit is one CRS attack rule a string matched.
type ruleHit struct{ id, score, level int }

// scoredSample is a corpus sample with its offline verdict inputs.
type scoredSample struct {
	sample
	byDefault bool        // the default tier detects one of its strings
	hits      [][]ruleHit // per string
}

var severityScore = map[types.RuleSeverity]int{
	types.RuleSeverityCritical: 5, types.RuleSeverityError: 4,
	types.RuleSeverityWarning: 3, types.RuleSeverityNotice: 2,
}

func scoreSamples(t *testing.T, samples []sample) []scoredSample {
	t.Helper()
	c := Config{Tier: TierCRS, ParanoiaLevel: 4}.WithDefaults()
	waf, err := newCRSEngine(c)
	if err != nil {
		t.Fatal(err)
	}
	det := NewDetector(c)
	out := make([]scoredSample, 0, len(samples))
	for _, s := range samples {
		ss := scoredSample{sample: s}
		for _, v := range s.Strings {
			if det.Check(v, Context{In: "query", Name: "v"}).Detected() {
				ss.byDefault = true
			}
			tx := waf.NewTransaction()
			tx.ProcessConnection("127.0.0.1", 40000, "127.0.0.1", 80)
			tx.ProcessURI("/", "GET", "HTTP/1.1")
			tx.AddRequestHeader("Host", "localhost")
			tx.AddRequestHeader("User-Agent", "rampart-blacklist")
			tx.AddRequestHeader("Accept", "*/*")
			tx.AddGetRequestArgument("v", v)
			if it := tx.ProcessRequestHeaders(); it == nil {
				_, _ = tx.ProcessRequestBody()
			}
			var hs []ruleHit
			for _, m := range tx.MatchedRules() {
				id := m.Rule().ID()
				if crsFamily(id) == None {
					continue
				}
				level := 1
				for _, tag := range m.Rule().Tags() {
					if n, ok := strings.CutPrefix(tag, "paranoia-level/"); ok && n != "" {
						level = int(n[0] - '0')
					}
				}
				hs = append(hs, ruleHit{id, severityScore[m.Rule().Severity()], level})
			}
			tx.ProcessLogging()
			_ = tx.Close()
			ss.hits = append(ss.hits, hs)
		}
		out = append(out, ss)
	}
	return out
}

func (s scoredSample) blocked(level int, removed map[int]bool) bool {
	if s.byDefault {
		return true
	}
	for _, hs := range s.hits {
		score := 0
		for _, h := range hs {
			if h.level <= level && !removed[h.id] {
				score += h.score
			}
		}
		if score >= 5 {
			return true
		}
	}
	return false
}

type rates struct{ detected, attacks, fps, benign int }

func (r rates) String() string {
	return fmt.Sprintf("%.1f%% detected, %.1f%% FP (%d of %d benign)", pct(r.detected, r.attacks), pct(r.fps, r.benign), r.fps, r.benign)
}

func evaluate(samples []scoredSample, level int, removed map[int]bool) rates {
	var r rates
	for _, s := range samples {
		switch {
		case !s.Negative:
			r.attacks++
			r.detected += b2i(s.blocked(level, removed))
		case s.Benign:
			r.benign++
			r.fps += b2i(s.blocked(level, removed))
		}
	}
	return r
}

// greedyExclusions removes rules one at a time until the false positives
// reach goalFP or detection falls below floor; it returns the removal
// order with the rates after each step.
func greedyExclusions(samples []scoredSample, level int, goalFP, floor float64) ([]int, []rates) {
	candidates := map[int]bool{}
	for _, s := range samples {
		for _, hs := range s.hits {
			for _, h := range hs {
				if h.level <= level {
					candidates[h.id] = true
				}
			}
		}
	}
	ids := make([]int, 0, len(candidates))
	for id := range candidates {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	removed := map[int]bool{}
	cur := evaluate(samples, level, removed)
	var order []int
	var steps []rates
	for pct(cur.fps, cur.benign) > goalFP && pct(cur.detected, cur.attacks) >= floor {
		best, bestScore := 0, 0.0
		var bestRates rates
		for _, id := range ids {
			if removed[id] {
				continue
			}
			removed[id] = true
			r := evaluate(samples, level, removed)
			delete(removed, id)
			if r.fps >= cur.fps {
				continue
			}
			score := float64(cur.fps-r.fps) / (float64(cur.detected-r.detected) + 0.5)
			if score > bestScore {
				best, bestScore, bestRates = id, score, r
			}
		}
		if best == 0 {
			break
		}
		removed[best] = true
		order = append(order, best)
		steps = append(steps, bestRates)
		cur = bestRates
	}
	return order, steps
}

// TestCRSExclusionFrontier prints the greedy frontier at paranoia level 2
// on the whole corpus, then the honest version: rules chosen on one half
// of the corpus (split by test), rates measured on the other half.
func TestCRSExclusionFrontier(t *testing.T) {
	if os.Getenv("RAMPART_CRS_FRONTIER") == "" {
		t.Skip("set RAMPART_CRS_FRONTIER=1 to compute the rule-exclusion frontier")
	}
	samples := loadCRSSamples(t)
	classifyNegatives(t, samples)
	scored := scoreSamples(t, samples)
	const level, goalFP, floor = 2, 2.0, 88.0
	var b strings.Builder
	fmt.Fprintf(&b, "whole corpus, nothing removed: %s\n", evaluate(scored, level, nil))
	order, steps := greedyExclusions(scored, level, goalFP, floor)
	for i, id := range order {
		fmt.Fprintf(&b, "  remove %d: %s\n", id, steps[i])
	}
	var fit, held []scoredSample
	for _, s := range scored {
		h := fnv.New32a()
		test, _, _ := strings.Cut(s.ID, ".")
		h.Write([]byte(test))
		if h.Sum32()%2 == 0 {
			fit = append(fit, s)
		} else {
			held = append(held, s)
		}
	}
	order, _ = greedyExclusions(fit, level, goalFP, floor)
	removed := map[int]bool{}
	fmt.Fprintf(&b, "chosen on half the tests, measured on the other half: nothing removed: %s\n", evaluate(held, level, removed))
	for _, id := range order {
		removed[id] = true
		fmt.Fprintf(&b, "  remove %d: %s\n", id, evaluate(held, level, removed))
	}
	fmt.Fprintf(&b, "compositions at paranoia level %d (whole corpus / fitting half / held-out half):\n", level)
	for _, c := range corroborations {
		var r [3]rates
		for i, set := range [][]scoredSample{scored, fit, held} {
			r[i] = evaluateWith(set, func(s scoredSample) bool { return s.corroborated(level, c.counts) })
		}
		fmt.Fprintf(&b, "  %s: %s / %s / %s\n", c.name, r[0], r[1], r[2])
	}
	t.Log("\n" + b.String())
}

// genericRules are the CRS rules that match a class of characters or a
// long list of words rather than an attack's syntax: special-character
// and repetition counts (942420-942432, 942460), comment and hex
// sequences (942440, 942450), word lists of SQL functions, operators
// and keywords (942150, 942410, 942120, 942362), JSON-like quoting
// (942200), Unix command words and their evasions (932236, 932240). They
// are the rules earlier measurements found firing on prose, so this list
// is informed by the corpus: hence the split halves.
var genericRules = map[int]bool{942420: true, 942421: true, 942430: true, 942431: true, 942432: true, 942460: true,
	942440: true, 942450: true, 942150: true, 942410: true, 942120: true, 942362: true, 942200: true, 932236: true, 932240: true}

// corroborations are ways to let paranoia-level-2 rules block only when
// another signal agrees, instead of removing them.
var corroborations = []struct {
	name   string
	counts func(hs []ruleHit) bool
}{
	{"two distinct rules agree", func(hs []ruleHit) bool {
		ids := map[int]bool{}
		for _, h := range hs {
			ids[h.id] = true
		}
		return len(ids) >= 2
	}},
	{"a generic rule counts only beside a specific one", func(hs []ruleHit) bool {
		for _, h := range hs {
			if !genericRules[h.id] {
				return true
			}
		}
		return false
	}},
	{"two distinct specific rules agree", func(hs []ruleHit) bool {
		ids := map[int]bool{}
		for _, h := range hs {
			if !genericRules[h.id] {
				ids[h.id] = true
			}
		}
		return len(ids) >= 2
	}},
}

// corroborated is the verdict of a composition: the default tier, or
// paranoia level 1 alone at the usual threshold, or the rules of level
// <= level at the usual threshold when counts accepts the string's hits.
func (s scoredSample) corroborated(level int, counts func([]ruleHit) bool) bool {
	if s.blocked(1, nil) {
		return true
	}
	for _, hs := range s.hits {
		var in []ruleHit
		score := 0
		for _, h := range hs {
			if h.level <= level {
				in = append(in, h)
				score += h.score
			}
		}
		if score >= 5 && counts(in) {
			return true
		}
	}
	return false
}

func evaluateWith(samples []scoredSample, blocked func(scoredSample) bool) rates {
	var r rates
	for _, s := range samples {
		switch {
		case !s.Negative:
			r.attacks++
			r.detected += b2i(blocked(s))
		case s.Benign:
			r.benign++
			r.fps += b2i(blocked(s))
		}
	}
	return r
}
