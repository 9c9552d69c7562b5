package blacklist

import (
	"fmt"
	"strconv"
	"strings"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/types"
)

// Generic is the family of a CRS detection outside the four families the
// default tier knows (protocol attacks, PHP or Java injection...).
const Generic Family = "generic"

// CRS is the optional tier: the default tier first, then Coraza running
// the OWASP Core Rule Set with anomaly scoring at a chosen paranoia level
// on what the default tier let through. The two detect different payloads
// (on the CRS regression corpus, at paranoia level 1, the tier detects
// 82.8% where either alone detects 67-76%), and the cheap pass first keeps
// the CRS's cost to the values that reach it. Each value is inspected as
// one request argument of an otherwise well-formed request, so what the
// CRS scores is the value alone. It is safe for concurrent use.
type CRS struct {
	first    *Detector // nil: the CRS alone (measurements)
	waf      coraza.WAF
	maxBytes int
}

// crsFiles are the CRS rule-id ranges of each family: the rule files the
// crs tier loads. Generic covers the rest of the CRS's inbound attack and
// protocol rules; the method, scanner and blocking-evaluation files carry
// nothing a single value can trigger.
var crsFiles = map[Family][]string{
	SQLi:      {"942100-942999"},
	XSS:       {"941100-941999"},
	Traversal: {"930100-930999"},
	CmdI:      {"932100-932999"},
	Generic:   {"920100-922999", "931100-931999", "933100-934999", "943100-944999"},
}

// NewCRS loads the Core Rule Set embedded in the binary at c's paranoia
// level (1-4, default 1), with the rules of the families c does not select and the rules
// of c.ExcludeRules removed. Loading parses several hundred rules and takes
// a few hundred milliseconds: build one CRS at start-up and share it.
func NewCRS(c Config) (*CRS, error) {
	c.Tier = TierCRS
	c = c.WithDefaults()
	waf, err := newCRSEngine(c)
	if err != nil {
		return nil, err
	}
	return &CRS{first: NewDetector(c), waf: waf, maxBytes: c.MaxValueBytes}, nil
}

func newCRSEngine(c Config) (coraza.WAF, error) {
	pl := c.ParanoiaLevel
	if pl < 1 || pl > 4 {
		return nil, fmt.Errorf("crs tier: paranoia level %d is outside 1-4", pl)
	}
	selected := map[Family]bool{}
	for _, f := range c.Families {
		selected[f] = true
	}
	var removed []string
	for _, f := range append(AllFamilies(), Generic) {
		if !selected[f] {
			removed = append(removed, crsFiles[f]...)
		}
	}
	for _, id := range c.ExcludeRules {
		removed = append(removed, strconv.Itoa(id))
	}
	directives := []string{
		"Include @coraza.conf-recommended",
		"Include @crs-setup.conf.example",
		// Block (not just log), and only on inbound anomaly scoring.
		"SecRuleEngine On",
		"SecResponseBodyAccess Off",
		fmt.Sprintf(`SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=%d"`, pl),
		"Include @owasp_crs/*.conf",
	}
	if len(removed) > 0 {
		directives = append(directives, "SecRuleRemoveById "+strings.Join(removed, " "))
	}
	waf, err := coraza.NewWAF(coraza.NewWAFConfig().WithRootFS(coreruleset.FS).WithDirectives(strings.Join(directives, "\n")))
	if err != nil {
		return nil, fmt.Errorf("crs tier: loading the Core Rule Set: %w", err)
	}
	return waf, nil
}

// Check runs the default tier, then scores value with the CRS. A CRS
// detection is reported when the request would be blocked; the reason
// names the first attack rule that contributed ("crs-942100").
func (c *CRS) Check(value string, where Context) Finding {
	if c.first != nil {
		if f := c.first.Check(value, where); f.Detected() {
			return f
		}
	}
	if len(value) > c.maxBytes {
		// Head and tail, as the default tier does.
		value = value[:c.maxBytes/2] + " " + value[len(value)-c.maxBytes/2:]
	}
	tx := c.waf.NewTransaction()
	defer func() {
		tx.ProcessLogging()
		_ = tx.Close()
	}()
	tx.ProcessConnection("127.0.0.1", 40000, "127.0.0.1", 80)
	tx.ProcessURI("/", "GET", "HTTP/1.1")
	// The headers of an ordinary client, so protocol-enforcement rules do
	// not score the synthetic request itself.
	tx.AddRequestHeader("Host", "localhost")
	tx.AddRequestHeader("User-Agent", "rampart-blacklist")
	tx.AddRequestHeader("Accept", "*/*")
	if where.Key {
		tx.AddGetRequestArgument(value, "1")
	} else {
		tx.AddGetRequestArgument("v", value)
	}
	it := tx.ProcessRequestHeaders()
	if it == nil {
		var err error
		it, err = tx.ProcessRequestBody()
		if err != nil {
			return Finding{Family: Generic, Reason: "crs-error", Where: where}
		}
	}
	if it == nil {
		return Finding{}
	}
	f := Finding{Family: Generic, Reason: fmt.Sprintf("crs-%d", it.RuleID), Where: where}
	// Name the first attack rule that scored: one of the four families
	// if any, else another attack rule with a message.
	var generic types.MatchedRule
	for _, m := range tx.MatchedRules() {
		switch fam := crsFamily(m.Rule().ID()); fam {
		case None:
		case Generic:
			if generic == nil && m.Message() != "" {
				generic = m
			}
		default:
			f.Family, f.Reason, f.Evidence = fam, fmt.Sprintf("crs-%d", m.Rule().ID()), crsEvidence(m)
			return f
		}
	}
	if generic != nil {
		f.Reason, f.Evidence = fmt.Sprintf("crs-%d", generic.Rule().ID()), crsEvidence(generic)
	}
	return f
}

// crsFamily maps a CRS rule id to a family; None for the rules that only
// initialise, count or decide.
func crsFamily(id int) Family {
	// Ids below x100 in each file are its paranoia-level bookkeeping
	// (for example 930013 skips rules above the configured level).
	if id%1000 < 100 {
		return None
	}
	switch id / 1000 {
	case 930:
		return Traversal
	case 932:
		return CmdI
	case 941:
		return XSS
	case 942:
		return SQLi
	case 920, 921, 922, 931, 933, 934, 943, 944:
		return Generic
	}
	return None
}

func crsEvidence(m types.MatchedRule) string {
	for _, d := range m.MatchedDatas() {
		if v := d.Value(); v != "" {
			return excerpt(v, 0, len(v))
		}
	}
	return ""
}
