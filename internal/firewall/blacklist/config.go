package blacklist

import (
	"errors"
	"fmt"
	"strings"
)

// Tier names the detection engine.
const (
	// TierDefault is libinjection plus the package's own rules: cheap
	// enough to run on every string of every request.
	TierDefault = "default"
	// TierCRS is Coraza running the OWASP Core Rule Set, slower and
	// broader, at a configurable paranoia level.
	TierCRS = "crs"
)

// Mode says what a detection does.
const (
	ModeBlock   = "block"   // reject with 403
	ModeMonitor = "monitor" // record the finding, let the request through
)

// Config is the blacklist's section of the firewall configuration file.
//
//	blacklist:
//	  enabled: true
//	  mode: block
//	  tier: default
//	  families: [sqli, xss, traversal, cmdi]
//	  paranoia_level: 1       # crs tier (default 1)
//	  exclude_rules: [942200] # crs tier
//	  max_value_bytes: 65536
//	  check_keys: true
type Config struct {
	Enabled bool   `yaml:"enabled" json:"enabled"`
	Mode    string `yaml:"mode,omitempty" json:"mode,omitempty"`
	Tier    string `yaml:"tier,omitempty" json:"tier,omitempty"`
	// Families limits detection to some attack families; empty means the
	// four of AllFamilies. The crs tier also accepts Generic: the CRS's
	// rules outside the four (remote file inclusion, PHP, Java, session
	// fixation, protocol enforcement).
	Families []Family `yaml:"families,omitempty" json:"families,omitempty"`
	// ParanoiaLevel is the CRS blocking paranoia level (1-4, default 1, as
	// in the CRS itself) of the crs tier, configured or selected per
	// operation. Level 2 detects more and blocks much more ordinary text
	// (docs/benchmarks.md).
	ParanoiaLevel int `yaml:"paranoia_level,omitempty" json:"paranoia_level,omitempty"`
	// ExcludeRules removes CRS rules by id from the crs tier: the standard
	// CRS tuning for a rule that misfires on an API's legitimate values.
	ExcludeRules []int `yaml:"exclude_rules,omitempty" json:"exclude_rules,omitempty"`
	// MaxValueBytes bounds how much of one string is inspected: a longer
	// value is inspected at its head and at its tail, this many bytes
	// each, so padding alone does not push a payload out of sight. The
	// firewall's body and header limits bound what lies between.
	MaxValueBytes int `yaml:"max_value_bytes,omitempty" json:"max_value_bytes,omitempty"`
	// CheckKeys also inspects JSON object keys and parameter names
	// (default true).
	CheckKeys *bool `yaml:"check_keys,omitempty" json:"check_keys,omitempty"`
}

// DefaultMaxValueBytes is the inspection window of one value.
const DefaultMaxValueBytes = 64 << 10

// WithDefaults fills in the defaults of unset fields.
func (c Config) WithDefaults() Config {
	if c.Mode == "" {
		c.Mode = ModeBlock
	}
	if c.Tier == "" {
		c.Tier = TierDefault
	}
	if len(c.Families) == 0 {
		c.Families = AllFamilies()
	}
	if c.ParanoiaLevel == 0 && c.Tier == TierCRS {
		c.ParanoiaLevel = 1
	}
	if c.MaxValueBytes == 0 {
		c.MaxValueBytes = DefaultMaxValueBytes
	}
	if c.CheckKeys == nil {
		t := true
		c.CheckKeys = &t
	}
	return c
}

// Validate reports every problem of the section at once.
func (c Config) Validate() error {
	var errs []error
	switch c.Mode {
	case "", ModeBlock, ModeMonitor:
	default:
		errs = append(errs, fmt.Errorf("blacklist.mode: %q is not one of block, monitor", c.Mode))
	}
	switch c.Tier {
	case "", TierDefault, TierCRS:
	default:
		errs = append(errs, fmt.Errorf("blacklist.tier: %q is not one of default, crs", c.Tier))
	}
	seen := map[Family]bool{}
	for i, f := range c.Families {
		if !f.valid() && f != Generic {
			errs = append(errs, fmt.Errorf("blacklist.families[%d]: %q is not one of %s", i, f, familyList()))
		} else if seen[f] {
			errs = append(errs, fmt.Errorf("blacklist.families[%d]: %q listed twice", i, f))
		}
		seen[f] = true
	}
	// paranoia_level, exclude_rules and the generic family configure the
	// crs tier, whether it is the configured tier or one that operations
	// select with x-rampart-blacklist-tier; the default tier ignores them.
	if c.ParanoiaLevel < 0 || c.ParanoiaLevel > 4 {
		errs = append(errs, fmt.Errorf("blacklist.paranoia_level: %d is outside 1-4", c.ParanoiaLevel))
	}
	for i, id := range c.ExcludeRules {
		if id < 900000 || id > 999999 {
			errs = append(errs, fmt.Errorf("blacklist.exclude_rules[%d]: %d is not a CRS rule id (900000-999999)", i, id))
		}
	}
	if c.MaxValueBytes < 0 {
		errs = append(errs, fmt.Errorf("blacklist.max_value_bytes: %d is negative", c.MaxValueBytes))
	} else if c.MaxValueBytes != 0 && c.MaxValueBytes < 256 {
		errs = append(errs, fmt.Errorf("blacklist.max_value_bytes: %d is below the minimum of 256", c.MaxValueBytes))
	}
	return errors.Join(errs...)
}

func familyList() string {
	var s []string
	for _, f := range AllFamilies() {
		s = append(s, string(f))
	}
	return strings.Join(s, ", ")
}

// New validates c and builds the checker of its tier.
func New(c Config) (Checker, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.WithDefaults()
	if c.Tier == TierCRS {
		return NewCRS(c)
	}
	return NewDetector(c), nil
}
