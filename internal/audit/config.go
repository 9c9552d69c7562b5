package audit

import (
	"bytes"
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
type Config struct {
	Profile  string               `yaml:"profile"`
	MinScore *int                 `yaml:"min-score"`
	FailOn   string               `yaml:"fail-on"`
	Rules    map[string]RuleSetup `yaml:"rules"`
	Exclude  []string             `yaml:"exclude"`

	failOn   *report.Severity
	excludes []*regexp.Regexp
}

// RuleSetup is one rule's configuration: on/off and a severity override.
// In YAML it is a severity name, "off"/"on" (or a boolean), or a mapping
// {enabled: bool, severity: name}.
type RuleSetup struct {
	Enabled  *bool
	Severity *report.Severity
}

// UnmarshalYAML accepts the short and long forms.
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
	var long struct {
		Enabled  *bool  `yaml:"enabled"`
		Severity string `yaml:"severity"`
	}
	if err := decodeStrict(n, &long); err != nil {
		return err
	}
	s.Enabled = long.Enabled
	if long.Severity != "" {
		sev, err := report.ParseSeverity(long.Severity)
		if err != nil {
			return fmt.Errorf("line %d: %v", n.Line, err)
		}
		s.Severity = &sev
	}
	return nil
}

func decodeStrict(n *yaml.Node, v any) error {
	out, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("line %d: %v", n.Line, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return nil
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
// ids, severities, profiles and malformed globs are errors.
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
			target = top.Content[i+1]
		}
	}
	if target != top {
		// With an audit section, the other top-level keys belong to other
		// sections; an audit setting among them would be silently ignored
		// (a threshold a CI job relies on), so it is an error.
		for i := 0; i+1 < len(top.Content); i += 2 {
			switch k := top.Content[i]; k.Value {
			case "profile", "min-score", "fail-on", "rules", "exclude":
				return nil, fmt.Errorf("line %d: %q is outside the `audit` section, where it would be ignored; move it under `audit:`", k.Line, k.Value)
			}
		}
		if target.Kind == yaml.ScalarNode && target.Tag == "!!null" {
			return cfg, nil // an empty audit section
		}
	}
	if target.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(target.Content); i += 2 {
			// A decimal threshold would be truncated to its integer part
			// (81.9 read as 81, so a score of 81 passes): refuse it, as
			// the --min-score flag does.
			if k, v := target.Content[i], target.Content[i+1]; k.Value == "min-score" && v.Kind == yaml.ScalarNode && v.ShortTag() != "!!int" {
				return nil, fmt.Errorf("line %d: min-score must be a whole number from 0 to 100, not %q", v.Line, v.Value)
			}
		}
	}
	if target == top {
		// Only audit keys are allowed at the top level when there is no
		// audit section.
		if err := decodeStrict(top, cfg); err != nil {
			return nil, err
		}
	} else if err := decodeStrict(target, cfg); err != nil {
		return nil, err
	}
	if cfg.Profile != "" {
		// Case-insensitive, like --profile and the severity names.
		cfg.Profile = strings.ToLower(cfg.Profile)
		if _, err := ProfileByName(cfg.Profile); err != nil {
			return nil, err
		}
	}
	if cfg.FailOn != "" {
		s, err := report.ParseSeverity(cfg.FailOn)
		if err != nil {
			return nil, fmt.Errorf("fail-on: %w", err)
		}
		cfg.failOn = &s
	}
	if cfg.MinScore != nil && (*cfg.MinScore < 0 || *cfg.MinScore > 100) {
		return nil, fmt.Errorf("min-score %d is outside 0..100", *cfg.MinScore)
	}
	for id := range cfg.Rules {
		if _, ok := rules[id]; !ok {
			return nil, fmt.Errorf("rules: unknown rule %q (see `rampart rules list`)", id)
		}
	}
	for _, g := range cfg.Exclude {
		re, err := globRegexp(g)
		if err != nil {
			return nil, fmt.Errorf("exclude: %w", err)
		}
		cfg.excludes = append(cfg.excludes, re)
	}
	return cfg, nil
}

// FailOn is the configured fail-on severity, if any.
func (c *Config) FailOnSeverity() (report.Severity, bool) {
	if c == nil || c.failOn == nil {
		return 0, false
	}
	return *c.failOn, true
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
