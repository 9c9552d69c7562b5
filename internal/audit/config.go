package audit

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/rampart-sec/rampart/internal/report"
	"gopkg.in/yaml.v3"
)

// Config is the audit section of .rampart.yaml:
//
//	profile: sensitive
//	min-score: 70
//	fail-on: high
//	rules:
//	  data-string-no-pattern: off
//	  sec-bearer-no-format: info
//	  resp-missing-429: { severity: medium }
//	exclude:
//	  - /internal/**
//	inline-ignores: allow
//	inline-ignores-max-severity: high
type Config struct {
	Profile  string               `yaml:"profile"`
	MinScore *int                 `yaml:"min-score"`
	FailOn   string               `yaml:"fail-on"`
	Rules    map[string]RuleSetup `yaml:"rules"`
	Exclude  []string             `yaml:"exclude"`
	// InlineIgnores is "allow" or "deny": whether x-rampart-ignore in the
	// definition suppresses anything. "" is "allow".
	InlineIgnores string `yaml:"inline-ignores"`
	// InlineIgnoresMaxSeverity is the most severe finding an inline
	// suppression may hide; "" is DefaultInlineIgnoresMaxSeverity.
	InlineIgnoresMaxSeverity string `yaml:"inline-ignores-max-severity"`

	failOn     *report.Severity
	excludes   []*regexp.Regexp
	denyInline bool
	inlineMax  *report.Severity
}

// DefaultInlineIgnoresMaxSeverity is the most severe finding an
// x-rampart-ignore hides when the configuration does not say. Whoever
// edits the definition can write a suppression, and one `"*": accepted
// risk` at its root used to hide every finding, a critical one included,
// and score 100. A critical finding is a decision for whoever owns the
// configuration (often the security team, through CODEOWNERS): it takes
// `inline-ignores-max-severity: critical` there to settle one inline.
const DefaultInlineIgnoresMaxSeverity = report.SeverityHigh

// RuleSetup is one rule's configuration: on/off and a severity override.
// In YAML it is a severity name, "off"/"on" (or a boolean), or a mapping
// {enabled: bool, severity: name}.
type RuleSetup struct {
	Enabled  *bool
	Severity *report.Severity
}

// UnmarshalYAML accepts the short and long forms. Errors name the line of
// the offending node in the file: n is a node of the file itself, never of
// a re-encoded copy, whose lines would count from the copy's start.
func (s *RuleSetup) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v := strings.ToLower(strings.TrimSpace(n.Value))
		switch v {
		case "off", "false", "disabled", "no":
			f := false
			s.Enabled = &f
			return nil
		case "on", "true", "enabled", "yes":
			t := true
			s.Enabled = &t
			return nil
		}
		sev, err := report.ParseSeverity(v)
		if err != nil {
			return fmt.Errorf("line %d: %q is neither on/off nor a severity (info, low, medium, high, critical)", n.Line, n.Value)
		}
		s.Severity = &sev
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a rule setting is on/off, a severity, or {enabled: bool, severity: name}", n.Line)
	}
	return eachKey(n, func(k, v *yaml.Node) error {
		switch k.Value {
		case "enabled":
			var b bool
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&b) != nil {
				return fmt.Errorf("line %d: enabled must be true or false, not %q", v.Line, v.Value)
			}
			s.Enabled = &b
		case "severity":
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: severity must be a severity name", v.Line)
			}
			if v.ShortTag() == "!!null" {
				return nil
			}
			sev, err := report.ParseSeverity(v.Value)
			if err != nil {
				return fmt.Errorf("line %d: %w", v.Line, err)
			}
			s.Severity = &sev
		default:
			return fmt.Errorf("line %d: unknown key %q in a rule setting (want enabled, severity)", k.Line, k.Value)
		}
		return nil
	})
}

// maxConfigEntries caps the keys a configuration's aliases and merge keys
// may expand to: a few lines of nested `<<: [*a, *a]` would otherwise ask
// for billions.
const maxConfigEntries = 10000

// eachKey calls fn for each key and value of mapping n, in order, with
// aliases resolved and merge keys (`<<: *defaults`) expanded, a key given
// in n taking precedence over a merged one as YAML says. A key given twice
// is refused: the decoder would keep one silently.
func eachKey(n *yaml.Node, fn func(k, v *yaml.Node) error) error {
	budget := maxConfigEntries
	pairs, err := mappingPairs(n, &budget)
	if err != nil {
		return err
	}
	for _, p := range pairs {
		if err := fn(p[0], p[1]); err != nil {
			return err
		}
	}
	return nil
}

// mappingPairs lists the key and value nodes of mapping n, see eachKey.
func mappingPairs(n *yaml.Node, budget *int) ([][2]*yaml.Node, error) {
	n = resolveAlias(n)
	var own, merged [][2]*yaml.Node
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		if *budget--; *budget < 0 {
			return nil, fmt.Errorf("line %d: aliases expand to more than %d settings", k.Line, maxConfigEntries)
		}
		if k.Tag == "!!merge" {
			sources := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				sources = v.Content
			}
			for _, src := range sources {
				if src = resolveAlias(src); src.Kind != yaml.MappingNode {
					return nil, fmt.Errorf("line %d: a merge key (<<) must name a mapping", k.Line)
				}
				ps, err := mappingPairs(src, budget)
				if err != nil {
					return nil, err
				}
				merged = append(merged, ps...)
			}
			continue
		}
		if first, ok := seen[k.Value]; ok {
			return nil, fmt.Errorf("line %d: %q is already set on line %d", k.Line, k.Value, first)
		}
		seen[k.Value] = k.Line
		own = append(own, [2]*yaml.Node{k, v})
	}
	// Merged keys come after the mapping's own, each once: the first
	// merged mapping that has it wins, as in YAML's merge key type.
	for _, p := range merged {
		if _, ok := seen[p[0].Value]; !ok {
			seen[p[0].Value] = p[0].Line
			own = append(own, p)
		}
	}
	return own, nil
}

// resolveAlias follows an alias node (*name) to the node it names.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// scalarString returns the text of a scalar setting; null (an empty value)
// is "".
func scalarString(k, v *yaml.Node) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("line %d: %s must be a single value", v.Line, k.Value)
	}
	if v.ShortTag() == "!!null" {
		return "", nil
	}
	return v.Value, nil
}

// LoadConfig reads and validates a configuration file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig parses and validates configuration text. Unknown keys, rule
// ids, severities, profiles and malformed globs are errors, each naming
// its line in the file.
//
// The settings are read from the parsed nodes one by one, not decoded into
// the struct from a re-encoded copy of the section: the decoder's line
// numbers would then count from the copy's first line (a bad key on line 6
// of the file was reported on line 2, and a nested one as "line 2: line 4").
func ParseConfig(data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	cfg := &Config{}
	if len(root.Content) == 0 {
		return cfg, nil
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: the configuration must be a mapping", top.Line)
	}
	target := top
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "audit" {
			if target != top {
				return nil, fmt.Errorf("line %d: a second `audit` section", top.Content[i].Line)
			}
			target = resolveAlias(top.Content[i+1])
		}
	}
	if target != top {
		// With an audit section, the other top-level keys belong to other
		// sections; an audit setting among them would be silently ignored
		// (a threshold a CI job relies on), so it is an error.
		for i := 0; i+1 < len(top.Content); i += 2 {
			switch k := top.Content[i]; k.Value {
			case "profile", "min-score", "fail-on", "rules", "exclude", "inline-ignores", "inline-ignores-max-severity":
				return nil, fmt.Errorf("line %d: %q is outside the `audit` section, where it would be ignored; move it under `audit:`", k.Line, k.Value)
			}
		}
		if target.Kind == yaml.ScalarNode && target.Tag == "!!null" {
			return cfg, nil // an empty audit section
		}
		if target.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("line %d: the `audit` section must be a mapping", target.Line)
		}
	}
	// Only audit keys are allowed at the top level when there is no audit
	// section.
	err := eachKey(target, func(k, v *yaml.Node) error {
		switch k.Value {
		case "profile":
			name, err := scalarString(k, v)
			if err != nil || name == "" {
				return err
			}
			// Case-insensitive, like --profile and the severity names.
			cfg.Profile = strings.ToLower(name)
			if _, err := ProfileByName(cfg.Profile); err != nil {
				return fmt.Errorf("line %d: %w", v.Line, err)
			}
		case "min-score":
			// A decimal threshold would be truncated to its integer part
			// (81.9 read as 81, so a score of 81 passes): refuse it, as
			// the --min-score flag does.
			var n int
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" || v.Decode(&n) != nil || n < 0 || n > 100 {
				return fmt.Errorf("line %d: min-score must be a whole number from 0 to 100, not %q", v.Line, v.Value)
			}
			cfg.MinScore = &n
		case "fail-on":
			name, err := scalarString(k, v)
			if err != nil || name == "" {
				return err
			}
			sev, err := report.ParseSeverity(name)
			if err != nil {
				return fmt.Errorf("line %d: fail-on: %w", v.Line, err)
			}
			cfg.FailOn, cfg.failOn = name, &sev
		case "rules":
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
				return nil
			}
			if v.Kind != yaml.MappingNode {
				return fmt.Errorf("line %d: rules must map rule ids to settings", v.Line)
			}
			cfg.Rules = map[string]RuleSetup{}
			return eachKey(v, func(id, setting *yaml.Node) error {
				if _, ok := rules[id.Value]; !ok {
					return fmt.Errorf("line %d: rules: unknown rule %q (see `rampart rules list`)", id.Line, id.Value)
				}
				var rs RuleSetup
				if err := rs.UnmarshalYAML(setting); err != nil {
					return err
				}
				cfg.Rules[id.Value] = rs
				return nil
			})
		case "exclude":
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
				return nil
			}
			if v.Kind != yaml.SequenceNode {
				return fmt.Errorf("line %d: exclude must be a list of path globs", v.Line)
			}
			for _, item := range v.Content {
				item = resolveAlias(item)
				if item.Kind != yaml.ScalarNode {
					return fmt.Errorf("line %d: exclude: a path glob must be a string", item.Line)
				}
				re, err := globRegexp(item.Value)
				if err != nil {
					return fmt.Errorf("line %d: exclude: %w", item.Line, err)
				}
				cfg.Exclude = append(cfg.Exclude, item.Value)
				cfg.excludes = append(cfg.excludes, re)
			}
		case "inline-ignores":
			name, err := scalarString(k, v)
			if err != nil || name == "" {
				return err
			}
			switch strings.ToLower(name) {
			case "allow":
				cfg.denyInline = false
			case "deny":
				cfg.denyInline = true
			default:
				return fmt.Errorf("line %d: inline-ignores must be allow or deny, not %q", v.Line, name)
			}
			cfg.InlineIgnores = strings.ToLower(name)
		case "inline-ignores-max-severity":
			name, err := scalarString(k, v)
			if err != nil || name == "" {
				return err
			}
			sev, err := report.ParseSeverity(name)
			if err != nil {
				return fmt.Errorf("line %d: inline-ignores-max-severity: %w", v.Line, err)
			}
			cfg.InlineIgnoresMaxSeverity, cfg.inlineMax = name, &sev
		default:
			return fmt.Errorf("line %d: unknown key %q (want profile, min-score, fail-on, rules, exclude, inline-ignores, inline-ignores-max-severity)", k.Line, k.Value)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// FailOnSeverity returns the configured fail-on severity; false when
// none is set.
func (c *Config) FailOnSeverity() (report.Severity, bool) {
	if c == nil || c.failOn == nil {
		return 0, false
	}
	return *c.failOn, true
}

// inlineRefusal says why an inline suppression does not apply to a
// finding of severity sev under the configuration (nil: the defaults);
// "" when it applies.
func (c *Config) inlineRefusal(sev report.Severity) string {
	if c != nil && c.denyInline {
		return "the configuration forbids inline suppressions (inline-ignores: deny)"
	}
	limit := DefaultInlineIgnoresMaxSeverity
	if c != nil && c.inlineMax != nil {
		limit = *c.inlineMax
	}
	if sev > limit {
		return fmt.Sprintf("inline suppressions may hide findings up to %s (inline-ignores-max-severity), not a %s one", limit, sev)
	}
	return ""
}

func (c *Config) ruleEnabled(id string) (on, set bool) {
	if s, ok := c.Rules[id]; ok && s.Enabled != nil {
		return *s.Enabled, true
	}
	return false, false
}

func (c *Config) severity(id string) (report.Severity, bool) {
	if s, ok := c.Rules[id]; ok && s.Severity != nil {
		return *s.Severity, true
	}
	return 0, false
}

// excluded reports whether an operation key ("GET /a/b") is excluded by a
// path glob. A glob may also name the method: "DELETE /admin/**".
func (c *Config) excluded(opKey string) bool {
	_, path, _ := strings.Cut(opKey, " ")
	for _, re := range c.excludes {
		if re.MatchString(path) || re.MatchString(opKey) {
			return true
		}
	}
	return false
}

// globRegexp compiles a path glob: `*` matches within one segment, `**`
// across segments, `?` one character.
func globRegexp(g string) (*regexp.Regexp, error) {
	if strings.TrimSpace(g) == "" {
		return nil, errors.New("empty glob")
	}
	if strings.Count(g, "[") != strings.Count(g, "]") {
		return nil, fmt.Errorf("glob %q: unbalanced brackets", g)
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(g); i++ {
		switch ch := g[i]; ch {
		case '*':
			if i+1 < len(g) && g[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
