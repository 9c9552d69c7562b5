package blacklist

import (
	"regexp"
	"strings"
)

// rule is one detection pattern. All patterns are Go regular expressions
// (RE2: linear time, no backtracking) applied to a lower-cased, decoded
// view of the value. need lists bytes of which at least one must be present
// for the rule to be able to match at all; it lets the common benign value
// skip most of the regular expressions.
type rule struct {
	family Family
	reason string
	need   string
	re     *regexp.Regexp
	// veto, when set, discards a match it matches: the exceptions a
	// linear-time engine without look-arounds cannot express inline.
	veto *regexp.Regexp
	// match, when set, replaces re: a matcher written in code.
	match func(string) (lo, hi int, ok bool)
	// pre, when set, is a necessary condition checked in code before the
	// pattern runs (for conditions a gate cannot express).
	pre func(string) bool
	// gate, when set, is a cheaper necessary condition: the rule runs
	// only when the value contains one of the gate's words (as a whole
	// token of letters, digits and '_') or one of its substrings. Keyword
	// alternations of hundreds of words are slow to run as regular
	// expressions over every value; a token lookup is not.
	gate *gate
}

type gate struct {
	id   uint
	subs []string
	// where limits the words to the first tokens of the value (gateFirst)
	// or to tokens shortly after a command separator (gateAfterSep).
	where int
}

const (
	gateAny = iota
	gateFirst
	gateAfterSep
)

// sepWindow is how far after a command separator a command word is looked
// for (room for "sudo", "nohup" and a /usr/local/bin/ prefix).
const sepWindow = 40

// The gates' words are indexed together: each word maps to the set of
// gates (a bit each) it opens, so a value's tokens are looked up once for
// all the rules.
var (
	gateCount    uint
	gateWords    = map[string]uint64{}
	gatePrefixes []gatePrefix
)

type gatePrefix struct {
	p    string
	mask uint64
}

// g builds a gate from keyword alternations ("a|b|c", as used in the
// patterns; an alternative's leading word is its key, and a key followed
// by more pattern, as "python[23]?", matches as a prefix) and substrings.
func g(alternations string, subs ...string) *gate { return gw(gateAny, alternations, subs...) }

func gw(where int, alternations string, subs ...string) *gate {
	if gateCount == 64 {
		panic("blacklist: more than 64 gates")
	}
	gt := &gate{id: gateCount, subs: subs, where: where}
	gateCount++
	bit := uint64(1) << gt.id
	for alt := range strings.SplitSeq(alternations, "|") {
		i := 0
		for i < len(alt) && isWordByte(alt[i]) {
			i++
		}
		if i == 0 {
			continue
		}
		key := alt[:i]
		if i < len(alt) && (alt[i] == '[' || alt[i] == '{' || (alt[i] == '\\' && i+1 < len(alt) && alt[i+1] == 'w')) {
			gatePrefixes = append(gatePrefixes, gatePrefix{key, bit})
			continue
		}
		gateWords[key] |= bit
	}
	return gt
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}

// open reports whether the gate lets a value through.
func (gt *gate) open(v *view) bool {
	v.index()
	if v.masks[gt.where]&(uint64(1)<<gt.id) != 0 {
		return true
	}
	for _, s := range gt.subs {
		if strings.Contains(v.s, s) {
			return true
		}
	}
	return false
}

// view is one lower-cased form of a value with what the gates need to
// know about it, computed once and shared by all the rules.
type view struct {
	s       string
	done    bool
	masks   [3]uint64 // gates opened by any token, the first tokens, tokens after a separator
	present [4]uint64 // which bytes occur
}

func newView(s string) *view { return &view{s: s} }

// derive returns the view of a transformed form of the same value,
// sharing the index when the transformation changed nothing.
func (v *view) derive(s string) *view {
	if s == v.s {
		return v
	}
	return &view{s: s}
}

func (v *view) has(set string) bool {
	v.index()
	for i := 0; i < len(set); i++ {
		c := set[i]
		if v.present[c>>6]&(uint64(1)<<(c&63)) != 0 {
			return true
		}
	}
	return false
}

func (v *view) index() {
	if v.done {
		return
	}
	v.done = true
	start := -1
	lastSep := -sepWindow - 1
	sepTokens := 0 // tokens seen since the last separator
	tight := false // the last separator was "(": the command must follow at once
	n := 0
	for i := 0; i <= len(v.s); i++ {
		if i < len(v.s) {
			c := v.s[i]
			v.present[c>>6] |= uint64(1) << (c & 63)
			if isWordByte(c) {
				if start < 0 {
					start = i
				}
				continue
			}
		}
		if start >= 0 {
			tok := v.s[start:i]
			m := gateWords[tok]
			for _, p := range gatePrefixes {
				if strings.HasPrefix(tok, p.p) {
					m |= p.mask
				}
			}
			v.masks[gateAny] |= m
			if n < 3 {
				v.masks[gateFirst] |= m
			}
			if start-lastSep <= sepWindow && (sepTokens < 4 && !tight || sepTokens == 0) {
				v.masks[gateAfterSep] |= m
			}
			sepTokens++
			n++
			start = -1
		}
		if i < len(v.s) {
			switch v.s[i] {
			case ';', '|', '&', '\n', '`', '$', '{':
				lastSep, sepTokens, tight = i, 0, false
			case '(':
				lastSep, sepTokens, tight = i, 0, true
			}
		}
	}
}

func gated(ru rule, gt *gate) rule {
	ru.gate = gt
	return ru
}

func r(f Family, reason, need, pattern string) rule {
	return rule{family: f, reason: reason, need: need, re: regexp.MustCompile(pattern)}
}

func matchRules(rules []rule, v *view) Finding {
	s := v.s
	for i := range rules {
		ru := &rules[i]
		if ru.need != "" && !v.has(ru.need) {
			continue
		}
		if ru.gate != nil && !ru.gate.open(v) {
			continue
		}
		if ru.pre != nil && !ru.pre(s) {
			continue
		}
		if ru.match != nil {
			if lo, hi, ok := ru.match(s); ok {
				return Finding{Family: ru.family, Reason: ru.reason, Evidence: excerpt(s, lo, hi)}
			}
			continue
		}
		if ru.veto == nil {
			if loc := ru.re.FindStringIndex(s); loc != nil {
				return Finding{Family: ru.family, Reason: ru.reason, Evidence: excerpt(s, loc[0], loc[1])}
			}
			continue
		}
		for _, loc := range ru.re.FindAllStringIndex(s, 8) {
			if !ru.veto.MatchString(s[loc[0]:loc[1]]) {
				return Finding{Family: ru.family, Reason: ru.reason, Evidence: excerpt(s, loc[0], loc[1])}
			}
		}
	}
	return Finding{}
}

// Word lists shared by several rules. They name things only an injected
// SQL statement or shell command talks about; ordinary words that happen
// to be commands ("more", "time", "set") are left out or only matched when
// shell syntax follows them.
const (
	// SQL functions that have no business in ordinary text when followed
	// by a parenthesis, even with a space before it ("Rand (").
	sqlFuncs = `sleep|benchmark|pg_sleep|load_file|extractvalue|updatexml|xmltype|utl_http|utl_inaddr|dbms_\w+|sys_context|` +
		`group_concat|concat_ws|nchar|ascii|unhex|md5|sha1|sha2|substring|substr|` +
		`current_user|session_user|system_user|user_name|db_name|object_id|object_name|col_name|has_dbaccess|` +
		`uncompress|rand|ltrim|rtrim|strcmp|instr|lpad|rpad|soundex|` +
		`sqlite_version|sqlite_compileoption_get|sqlite_compileoption_used|randomblob|pg_read_file|pg_ls_dir|lo_import|lo_export|` +
		`json_extract|json_keys|ifnull|isnull|nullif|coalesce|make_set|export_set|` +
		`name_const|geometrycollection|multipoint|multipolygon|multilinestring|linestring|xp_cmdshell|xp_dirtree|openrowset|opendatasource`
	// SQL functions whose names are also words ("floor (2nd)", "version
	// (beta)"): only flagged when the parenthesis follows directly.
	sqlFuncsTight = `concat|char|chr|hex|mid|version|database|schema|ord|trim|reverse|position|locate|floor|exp|cast|convert|iif|elt|` +
		`compress|polygon|user|count|waitfor|if`
	// A quoted operand after a boolean operator, as an injection writes
	// it: a number ('1), an empty string (''), a literal the application's
	// own closing quote will end (' or 'x), or a literal compared with
	// something (' or 'a'='a). A closed literal followed by prose ("must
	// be 'read' or 'write'.") is how documentation reads, not SQL.
	sqlOperand = `['"](?:\d|['"]|[^'"]*$|[^'"]*['"]\s*(?:[=<>!|&+*/%^-]|\blike\b|\bregexp\b|\brlike\b|\bis\b|\bin\b|\bbetween\b|\bsounds\b|\bdiv\b|\bmod\b|\bxor\b|--|#|;|\)))`
	// SQL catalogs and system objects.
	sqlCatalog = `information_schema|sysobjects|syscolumns|sysusers|sysdatabases|sys\.tables|sys\.objects|sys\.databases|pg_catalog|pg_shadow|pg_user|` +
		`pg_database|pg_tables|mysql\.user|mysql\.db|sqlite_master|sqlite_schema|all_tables|user_tables|all_users|dba_users|msysaccessobjects|msysobjects|` +
		`northwind|tempdb|msdb|master\.\.|master\.dbo|xp_cmdshell|sp_executesql|sp_password|sp_oacreate|sp_makewebtask`
	// Shell commands whose names are not ordinary words: flagged right
	// after a command separator whatever follows.
	shellStrong = `wget|curl|whoami|uname|ifconfig|ipconfig|netstat|nslookup|netcat|ncat|telnet|socat|` +
		`powershell|pwsh|cmd\.exe|certutil|bitsadmin|wmic|rundll32|regsvr32|mshta|cscript|wscript|` +
		`useradd|usermod|userdel|chmod|chown|chgrp|mkdir|rmdir|xargs|printenv|nohup|crontab|killall|pkill|base64|xxd|hexdump|tftp|rsync|` +
		`gunzip|openssl|traceroute|tracert|systeminfo|tasklist|taskkill|iptables|systemctl|mkfifo|mknod|busybox|objdump|readelf|` +
		`lwp-download|lwp-request|aria2c|egrep|fgrep|gawk|sudo|passwd|ansible(?:-[a-z]+)?|chef-[a-z]+|kubectl|jrunscript|net\.exe|nmap|` +
		`strace|ltrace|visudo|base32|ssh-copy-id|ssh-keygen|regedit|bcdboot|nsenter|chroot|dmesg|lsmod|insmod|modprobe|sysctl|cpulimit|pgrep|uptime|setfacl|chattr|ifdown|ifup`
	// Commands that are also ordinary words ("more", "time", "cat"): only
	// flagged when shell syntax follows (an option, a path, a glob, an
	// address, another separator or the end of the value).
	shellWeak = `cat|tac|ls|id|pwd|ps|rm|cp|mv|touch|echo|printf|grep|awk|sed|env|kill|tee|dig|host|net|reg|dir|type|del|copy|` +
		`vi|vim|nano|ed|ex|rmt|column|comm|cut|head|tail|less|more|sort|uniq|wc|find|locate|which|whereis|file|stat|lsof|` +
		`sh|dash|nc|od|su|dd|tar|zip|unzip|gzip|sleep|eval|exec|source|export|service|mount|umount|shutdown|reboot|halt|` +
		`chef|puppet|docker|git|svn|make|gcc|cc|java|node|lua|fetch|strings|ldd|time|nice|at|watch|script|expect|screen|mail|` +
		`sendmail|ssh|scp|sftp|ftp|cmd|start|call|set|timeout|ping|bash|zsh|ksh|csh|tcsh|python[23]?(?:\.\d+)?|perl|ruby|php|` +
		`cd|pushd|popd|date|who|history|patch|diff|top|free|df|du|route|ip|arp|last|write|wall|finger|trap|groups|perf`
	shellCmds = shellStrong + `|` + shellWeak
	// Commands that run the command after them.
	shellPrefix = `(?:(?:sudo|nohup|time|nice|strace|ltrace|exec|command|builtin|xargs|timeout\s+\d+\w?|cpulimit(?:\s+-\w+\s+\S+)*|env(?:\s+\w+=\S*)*)\s+)`
	shellBinDir = `(?:(?:/usr)?(?:/local)?/s?bin/)?`
	// What makes a word after a separator look like a command line.
	shellArg = `(?:\s+(?:-{1,2}[a-z][\w-]*|[\w.~-]*/[\w.*?\[\]/~-]*|[\w.-]*[*?][\w./*?-]*|\d+\.\d+\.\d+\.\d+|\$\w+)|\s*(?:[;|&<>\x60]|\$\(|$))`
)

// sqlRules complement libinjection: they catch the boolean, stacked,
// time-based and catalog-probing forms its tokenizer lets through, and
// NoSQL operator injection.
var sqlRules = []rule{
	// A quote or a number closing the literal, then a boolean operator
	// and a comparison: "x' or 'a'='a", "1 and 1=1", "' || 1 like 1".
	gated(r(SQLi, "sqli-tautology", "=<>!'\"", `(?:['"\x60]|\b\d+)\s*\)*\s*(?:\bor\b|\band\b|\bxor\b|\|\||&&|\bnot\b|\bdiv\b)\s*(?:\bnot\s+)?\(*\s*(?:['"\x60][\w.@$-]*['"\x60]|[\w.@$-]+)\s*\)*\s*(?:<=>|[=<>!]=?|==|\blike\s*['\"\d(]|\bis\s+(?:not\s+)?(?:null|true|false|\d)|\bin\s*\(|\bbetween\s+['\"\d]|\bregexp\b|\brlike\b|\bsounds\s+like\b)`), g("or|and|xor|not|div", "||", "&&")),
	// Quote break-out followed by SQL: "x' or 1#", "'; drop", "') union".
	gated(withPre(r(SQLi, "sqli-quote-breakout", "'\"`", `['"\x60]\s*\)*\s*(?:;\s*(?:$|--|#|(?:select|insert|update|delete|drop|exec|execute|declare|set\s+@|waitfor|shutdown|create|alter|if|begin|union|truncate|print)\b)|(?:\bor\b|\band\b|&&|\|\|)\s*(?:\bnot\s+)?(?:`+sqlOperand+`|[(\d]|true\b|false\b|null\b|[\w.]+\s*(?:[=<>(]|\blike\b|\bin\b|\bis\b|\bregexp\b|\bnotnull\b|\bisnull\b))|\bxor\b|\bunion\s+(?:all\b|distinct\b|select\b|\()|\bselect\b|\bhaving\b|\bgroup\s+by\b|\border\s+by\b|\blimit\s+\d|\bwaitfor\b|\bcollate\s+(?:\w+_\w+|"|u&)|\bprocedure\b|\binto\s+(?:out|dump)file\b|(?:--|#)[\s-]*$|/\*|\bis\s+(?:not\s+)?null\b|\bregexp\b|\brlike\b|\blike\s+['"]|\bin\s*\(|\bbetween\b)`), quoteBreakoutCandidate), g("or|and|xor|union|select|having|group|order|limit|waitfor|collate|procedure|into|is|regexp|rlike|like|in|between", ";", "--", "#", "/*", "||", "&&")),
	gated(r(SQLi, "sqli-union-select", "", `\bunion\b(?:\s+(?:all|distinct))?\s*\(*\s*select\b`), g("union")),
	gated(r(SQLi, "sqli-select-from", "", `\bselect\b\s+(?:\*|@@|top\s+\d|distinct\b|null\b|\d+\s*,|[\w.\x60"\[\]]+\s*\(|[\w.\x60"\[\]]+(?:\s*,\s*[\w.\x60"\[\]]+)+\s+from\b|[\w.\x60"\[\]]+\s+from\s+[\w.\x60"\[\]]+\s*(?:where|order|group|limit|;|--|#))`), g("select")),
	// Stacked statements and statement keywords in their SQL shape.
	gated(r(SQLi, "sqli-stacked", ";", `;\s*(?:select\b|insert\s+into\b|update\s+[\w.\x60"\[\]]+\s+set\b|delete\s+from\b|drop\s+(?:table|database|schema|view|user|function|procedure)\b|create\s+(?:table|database|function|procedure|user|view|trigger|index)\b|alter\s+(?:table|user|database)\b|exec(?:ute)?\b|declare\b|set\s+@@?\w|shutdown\b|truncate\b|waitfor\b|grant\b|revoke\b|load\s+data\b|handler\b|begin\b|kill\b|analyze\b|if\s*\()`), g("select|insert|update|delete|drop|create|alter|exec|execute|declare|set|shutdown|truncate|waitfor|grant|revoke|load|handler|begin|kill|analyze|if")),
	gated(r(SQLi, "sqli-statement", "", `\b(?:insert\s+into\s+[\w.\x60"\[\]]+\s*(?:\(|values\b|select\b)|delete\s+from\s+[\w.\x60"\[\]]+\s*(?:where\b|;|$)|drop\s+(?:table|database)\s+[\w.\x60"\[\]]+|create\s+(?:or\s+replace\s+)?(?:function|procedure|trigger)\s+\w+|truncate\s+table\b|alter\s+table\s+[\w\x60"\[]|create\s+(?:temporary\s+)?table\s+[\w\x60"\[]+\s*(?:\(|$)|exec(?:ute)?\s+(?:master\.|xp_|sp_|immediate\b|\(|@)|declare\s+@\w+|waitfor\s+(?:delay|time)\b|into\s+(?:out|dump)file\b|load\s+data\s+(?:local\s+)?infile\b|case\s+when\b.+\bthen\b|having\s+\d+\s*[=<>]|order\s+by\s+\d+\s*(?:--|#|$|,)|group\s+by\s+[\w.]+\s+having\b|\bcollate\s+(?:\w+_\w+|"[^"]*"|u&\S*)\s*(?:--|#)|select\s+(?:pg_sleep\b|sleep\s*\(|benchmark\s*\()|select\s+0x[0-9a-f]{2,}\b|procedure\s+analyse\s*\()`), g("select|procedure|insert|delete|drop|create|truncate|alter|exec|execute|declare|waitfor|into|load|case|having|order|group|collate")),
	// A boolean operator opening the value, then a comparison: the value
	// was pasted after "WHERE x=" ("or 1=1", "&&(a=\"", "and uid!=(").
	gated(r(SQLi, "sqli-boolean-lead", "=<>!", `(?:^|[=(])\s*(?:\bor\b|\band\b|\bxor\b|\bdiv\b|\|\||&&)\s*\(*\s*['"\x60]?[\w.@$-]*['"\x60]?\s*(?:[=<>!]=?|==|<=>)`), g("or|and|xor|div", "||", "&&")),
	// Column aliases and quoted identifiers of a SELECT list.
	gated(r(SQLi, "sqli-alias-from", "", `(?:[)"'\x60]|\b\d+)\s*\bas\b\s+[\w"'\x60\[\]]+\s+from\b|\bfrom\s+\x60[^\x60]*\x60|\x60\s*\.\s*\x60`), g("as|from", "`")),
	gated(r(SQLi, "sqli-function", "(", `\b(?:`+sqlFuncs+`)\s*\(|\b(?:`+sqlFuncsTight+`)\(`), g(sqlFuncs+"|"+sqlFuncsTight)),
	gated(r(SQLi, "sqli-catalog", "", `\b(?:`+sqlCatalog+`)\b|@@(?:version|datadir|hostname|basedir|servername|identity)\b`), g(sqlCatalog, "@@")),
	// Comment-terminated payloads and MySQL executable comments.
	withPre(gated(r(SQLi, "sqli-comment", "-#/", `/\*!\d*|['"\x60)]\s*(?:--|#)[\s-]*$|['"\x60]\s*(?:or|and|\|\||&&)\b.*(?:--|#)[\s-]*$|\b(?:or|and)\s+[\w'"]+\s*(?:--|#)\s*$|;\s*--|['"\x60]\s*(?:[|+^&<>=/%*-]|\bmod\b|\bdiv\b|\bis\s+not\b|\bnot\s+(?:like|glob|regexp|rlike)\b|\bsounds\s+like\b)\s*[\w.]+\s*(?:--|#)[\s-]*$|['"\x60]\s*(?:notnull|isnull|collate\s+(?:nocase|binary|rtrim))\s*(?:--|#)[\s-]*$`), g("", "--", "#", "/*!")), sqlCommentTail),
	// PostgreSQL casts and operators rarely seen in text.
	gated(r(SQLi, "sqli-cast", ":", `[\w')]\s*::\s*(?:int|integer|bigint|text|varchar|char|regclass|oid|numeric|bool|boolean|inet|json|jsonb|bytea)\b`), g("", "::")),
	// A quoted JSON document compared through a JSON operator
	// (PostgreSQL's -> ->> #> ? ?| ?& @> <@, MySQL's JSON comparisons):
	// "or '{"a":1}' ? 'a'", "'[1,2]' @> '[1]'". WAFs that do not parse
	// JSON syntax let these through, which is what makes them an evasion.
	gated(r(SQLi, "sqli-json-operator", "'", `'\s*[\[{][^']*[\]}]\s*'\s*(?:->>?|#>>?|\?[|&]?|@>|<@|<=?|>=?)\s*(?:'|array\s*\[)`), g("", "'{", "'[", "' {", "' [")),
	// NoSQL (MongoDB) query operators where a plain value was expected.
	r(SQLi, "nosql-operator", "$", `\[\s*\$(?:ne|eq|gt|gte|lt|lte|in|nin|or|and|not|nor|where|regex|exists|expr|elemmatch)\s*\]|(?:^|["{,\[]\s*)\$(?:ne|eq|gt|gte|lt|lte|in|nin|or|and|not|nor|where|regex|exists|expr|elemmatch|function|jsonschema)\b\s*"?\s*(?::|$)`),
}

// xssRules catch script injection libinjection's HTML5 tokenizer misses:
// event handlers outside a tag, script URIs, DOM sinks, template
// injection, CSS expressions and XML entity tricks.
var xssRules = []rule{
	r(XSS, "xss-tag", "<", `</?(?:[\w-]*:)?(?:script|iframe|frame|frameset|object|embed|applet|svg|math|img|image|video|audio|source|body|html|style|link|meta|base|form|input|button|textarea|select|details|marquee|isindex|xml|xss|vmlframe|import|template|noscript|animate|set|handler|bgsound|layer|ilayer|dialog|keygen|portal|plaintext|xmp|title)\b`),
	r(XSS, "xss-tag-attribute", "<", `<[a-z][\w:-]*[\s/]+[^>]*?\b(?:on[a-z]{3,}|style|formaction|xlink:href|srcdoc|dynsrc|lowsrc)\s*=|<[a-z][\w:-]*[\s/]+[^>]*?\b(?:src|href|data|action|background)\s*=\s*["'\x60]?\s*(?:java|vb)script:`),
	gated(r(XSS, "xss-event-handler", "=", `(?:^|[\s"'\x60;>(])on[a-z]{3,}\s*=|["'\x60][\s/]*(?:formaction|srcdoc|xlink:href|style)\s*=`), g("on\\w|formaction|srcdoc|xlink|style")),
	gated(r(XSS, "xss-script-uri", ":", `(?:java|vb|live|ecma|j|w)script\s*:|\bdata\s*:\s*(?:text/html|text/xml|image/svg|application/x?html|[\w/+.-]*;base64|,)`), g("javascript|vbscript|livescript|ecmascript|jscript|wscript|script|data")),
	gated(r(XSS, "xss-dom-sink", ".([", `\bdocument\s*(?:\.|\[\s*["'\x60])\s*(?:cookie|domain|write|writeln|location|url|referrer|body|forms|queryselector)|\bwindow\s*(?:\.|\[\s*["'\x60])\s*(?:location|name|open|eval)|\blocation\s*\.\s*(?:href|hash|search|replace|assign)\b|\.\s*innerhtml\b|\.\s*outerhtml\b|\bstring\s*\.\s*fromcharcode\b|\b(?:window|document|self|top|parent|this|frames|globalthis)\s*\)?\s*\[\s*["'\x60]`), g("document|window|location|innerhtml|outerhtml|string|self|top|parent|this|frames|globalthis")),
	gated(r(XSS, "xss-js-call", "(`", `\b(?:eval|settimeout|setinterval|execscript|atob|btoa|fromcharcode|msgbox)\s*(?:\(|\x60)|\b(?:alert|prompt|confirm|import|print)(?:\(|\x60)|\bnew\s+function\s*\(|\bfunction\s*\(\s*\)\s*\{|=>\s*\{|\[\s*\]\s*\.\s*(?:sort|map|filter|constructor)\b|\.\s*call\s*(?:\(|\x60)|\breflect\s*\.\s*\w+\s*[.(\x60]`), g("eval|settimeout|setinterval|execscript|atob|btoa|fromcharcode|msgbox|alert|prompt|confirm|import|print|new|function|sort|map|filter|constructor|call|reflect", "=>")),
	r(XSS, "xss-jsfuck", "[", `!!\s*\[\s*\]|\(\s*!\s*\[\s*\]|\[\s*!\s*\[\s*\]|!\s*\[\s*\]\s*\+|\+\s*!\s*\[\s*\]`),
	// Client-side template injection (Angular, Vue, Handlebars...).
	r(XSS, "xss-template", "{", `\{\{.*(?:constructor|\$on|\$eval|\(|\[|=|\bthis\b|\$\w+).*\}\}`),
	gated(r(XSS, "xss-css", "(:@-", `\bexpression\s*\(|\burl\s*\(\s*['"]?\s*(?:java|vb)script|-moz-binding\s*:|\bbehavior\s*:\s*url\s*\(|@import\b`), g("expression|url|moz|behavior|import")),
	gated(r(XSS, "xss-xml", "<!", `<!\s*(?:doctype|entity|\[cdata\[)|<!--\s*#\s*(?:exec|include|echo|set|config)\b|!entity\s+%?\s*\w+\s+(?:system|public)\b|\bxi\s*:\s*include\b|\bxsi\s*:\s*schemalocation\b`), g("doctype|entity|cdata|exec|include|echo|set|config|xi|xsi")),
	gated(r(XSS, "xss-utf7", "", `[+\s]ad[w4]-|\+ac[iq]-`), g("adw|ad4|aci|acq")),
	r(XSS, "xss-comment-breakout", ">", `["'\x60]\s*-->|-->\s*<`),
}

// traversalRules catch path traversal and requests for files that are
// never a legitimate parameter value.
var traversalRules = []rule{
	gated(r(Traversal, "traversal-dotdot", ".", `(?:^|[\\/;:=\s'"\x60])(?:\.\.|\.{4,})[\\/;]`), g("", "..")),
	gated(r(Traversal, "traversal-sensitive-file", "/\\.", `(?:^|[\\/\s'"=:;|&>])(?:etc[\\/](?:passwd|shadow|group|hosts|issue|subuid|subgid|sudoers|crontab|master\.passwd|apache2|nginx|httpd|ssh|mysql|php|environment|profile|resolv\.conf)|proc[\\/](?:self|\d+|net|sys|version|cpuinfo|meminfo|interrupts|mounts|environ|cmdline|kcore)|sys[\\/](?:class|kernel|devices|module|firmware|block|bus|fs|power)|var[\\/](?:log|run|lib|mail|spool|www[\\/]html)[\\/]|usr[\\/]local[\\/](?:apache|apps|etc)|windows[\\/](?:win\.ini|system32|system\.ini)|winnt[\\/]|inetpub[\\/]|boot\.ini|win\.ini|system\.ini|@fs[\\/])|(?:^|[\\/\s'"=;|&>])root[\\/]`), g("etc|proc|sys|root|var|usr|windows|winnt|inetpub|boot|win|system|fs")),
	// A hidden file or directory; ".well-known" (RFC 8615) is public by
	// design and vetoed.
	gated(r(Traversal, "traversal-dotfile", ".", `(?:^|[\\/\s'"=:;|&])\.(?:ssh|aws|git|svn|hg|env|htaccess|htpasswd|docker|dockerenv|kube|npmrc|pypirc|netrc|bash_history|bashrc|zsh_history|profile|mysql_history|gnupg|config|idea|vscode|boto|s3cfg|pgpass|git-credentials|ds_store)\b|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\bauthorized_keys\b|\bknown_hosts\b|\.aws[\\/]credentials`), g("ssh|aws|git|svn|hg|env|htaccess|htpasswd|docker|dockerenv|kube|npmrc|pypirc|netrc|bash_history|bashrc|zsh_history|profile|mysql_history|gnupg|config|idea|vscode|boto|s3cfg|pgpass|ds_store|id_rsa|id_dsa|id_ecdsa|id_ed25519|authorized_keys|known_hosts", "/.", "\\.")),
	// Any other hidden directory in a path, except the conventional
	// public ones (.well-known, .github). Not in an http(s) URL: a hidden
	// segment there names a resource of another host, not a local file
	// (sensitive names above are still caught in URLs).
	withPre(withVeto(r(Traversal, "traversal-dotfile", ".", `(?:^|[\\/])\.[a-z][\w-]*[\\/][\w.-]+`), `\.(?:well-known|github)[\\/]`), hiddenSegmentOutsideURL),
	gated(r(Traversal, "traversal-sensitive-name", ".", `\b(?:web\.config|wp-config\.php|database\.yml|credentials\.json|secrets\.(?:env|ya?ml|json)|httpd\.conf|php\.ini|my\.cnf|\.user\.ini)\b|\b(?:wp-content|wp-admin)[\\/][\w-]+\.(?:log|sql|bak)\b`), g("", "web.config", "wp-config", "database.yml", "credentials.json", "secrets.", "httpd.conf", "php.ini", "my.cnf", ".user.ini", "wp-content", "wp-admin")),
	gated(r(Traversal, "traversal-wrapper", ":", `\b(?:file|php|zip|phar|expect|glob|data|gopher|dict|jar|netdoc|compress\.zlib|compress\.bzip2)\s*:\s*//|\bphp\s*:\s*//\s*(?:filter|input|fd)`), g("file|php|zip|phar|expect|glob|data|gopher|dict|jar|netdoc|compress")),
	gated(r(Traversal, "traversal-windows-drive", ":\\%", `(?:^|[\s'"=;|&])[a-z]:[\\/](?:windows|winnt|boot\.ini|inetpub|pagefile)|%(?:systemroot|systemdrive|windir|comspec|userprofile|appdata|temp|programfiles)%`), g("windows|winnt|boot|inetpub|pagefile|systemroot|systemdrive|windir|comspec|userprofile|appdata|temp|programfiles")),
	r(Traversal, "traversal-null-byte-ext", "\x00", `\x00.*\.[a-z0-9]{1,5}$|\.[a-z0-9]{1,5}\x00`),
}

// cmdRules catch OS command injection: a command separator or a
// substitution followed by a command, shell-only syntax, and Windows
// batch constructs.
var cmdRules = []rule{
	// Command substitution and process substitution.
	gated(r(CmdI, "cmdi-substitution", "$`<>", `\$\(\s*[a-z/(.\[{$]|\$\[\s*\d|\x60\s*/|[<>]\(\s*[a-z/]|\$\{\s*[a-z_][\w]*\s*[}:#%/^,@|]`), g("", "$(", "$[", "`", "<(", ">(", "${")),
	// A separator, optionally a path to a binary, then a command.
	// A separator, optionally wrappers and a path to a binary, then a
	// command. Matched in code, not with one regular expression: an
	// alternation of several hundred command names is linear in theory
	// but slow enough in practice to be a denial-of-service lever on long
	// hostile values.
	gated(custom(CmdI, "cmdi-separator-command", ";|&\n`(", matchSeparatorCommand), gw(gateAfterSep, shellCmds)),
	// A value that is itself a command line: "curl http://x", "cat
	// /etc/x", "nohup ifconfig".
	gated(r(CmdI, "cmdi-command-line", "", `^\s*(?:`+shellPrefix+`+`+shellBinDir+`(?:`+shellStrong+`)\b|`+shellPrefix+`*`+shellBinDir+`(?:(?:`+shellStrong+`)\s+\S|(?:`+shellWeak+`)\s+(?:-{1,2}[a-z][\w-]*|(?:\.{1,2}|~)?/[\w.*?\[\]/~-]*|[\w.~-]*/[\w.*?\[\]~-]*/[\w.*?\[\]/~-]*|[\w.-]*[*?][\w./*?-]*)))`), gw(gateFirst, shellCmds+"|sudo|nohup|time|nice|strace|ltrace|exec|command|builtin|xargs|timeout|cpulimit|env")),
	// Absolute path to a shell or interpreter binary.
	gated(r(CmdI, "cmdi-binary-path", "/", `(?:^|[\s;|&'"=(\x60<>])/(?:usr/)?(?:local/)?s?bin/[\w?*\[\]-]+|\b(?:cmd|powershell|pwsh)(?:\.exe)?\s+(?:/[ckq]\b|-(?:c|e|enc|encodedcommand|command|nop|noprofile|w|windowstyle|exec|executionpolicy)\b)`), g("cmd|powershell|pwsh", "bin/")),
	// Reverse shells, redirections to devices, here-strings.
	gated(r(CmdI, "cmdi-reverse-shell", "/<>-", `/dev/(?:tcp|udp)/|\b(?:nc|ncat|netcat)\b.*\s-[a-z]*[ec]\s|(?:^|[^<])<<<(?:[^<]|$)|[0-9]?>&\s*[0-9/]|>\s*/(?:tmp|dev|etc|var|root|home)/|\bmkfifo\b|\bsocat\b.*\bexec\b`), g("tmp|dev|etc|var|root|home|nc|ncat|netcat|mkfifo|socat", "<<<", ">&")),
	// Globbing used to spell a path without naming it: /e??/p*ss?d.
	r(CmdI, "cmdi-glob-path", "?*[", `/[\w.\[\]-]*[?*][\w.?*\[\]-]*/|/(?:etc|bin|usr|dev|tmp|proc)\w*/[\w.-]*[?*\[][\w.?*\[\]-]*`),
	// Shell function definitions (fork bombs) and brace expansion of a
	// command name: "f(){ f|f& };f", "{cat,/etc/passwd}".
	gated(r(CmdI, "cmdi-shell-function", "{", `(?:^|[;\s&|])[:\w]+\s*\(\s*\)\s*\{[^}]*\}\s*;|(?:^|[;\s&|])[:.\w]+\s*\(\s*\)\s*\{\s*[:.\w]+\s*\|\s*[:.\w]+\s*&\s*;?\s*\}|\{\s*,?\s*\$?'?[a-z][\w.-]*'?\s*,[^{}\s]*\}`), g(shellCmds, "()")),
	// Shellshock function definitions; bash imports a variable whose
	// value opens with "() {" as a function, whatever follows.
	r(CmdI, "cmdi-shellshock", "(", `\(\s*\)\s*\{\s*[:\w]*\s*;\s*\}\s*;?|^\s*\(\s*\)\s*\{`),
	// Windows batch constructs.
	gated(r(CmdI, "cmdi-windows-batch", "", `\bfor\s+(?:/[a-z]\s+)*(?:"[^"]*"\s+|[a-z]:\S*\s+)?%%?~?[\w\-\]/@\[~]+\s+in\s*\(|\bif\s+(?:/i\s+)?(?:not\s+)?(?:exist|defined|errorlevel|cmdextversion|%\w+%|"%)|%(?:comspec|errorlevel|cd|systemroot|windir)%|\|\s*type\s+%`), g("exist|defined|errorlevel|cmdextversion|comspec|systemroot|windir", "%")),
	gated(r(CmdI, "cmdi-windows-if", "", `\bif(?:\s+|\s*/i\s+)(?:not\s+)?(?:\[\w*\]|"[^"]*"|%\w+%|\(?\S+)\s*(?:==|\b(?:equ|neq|lss|leq|gtr|geq)\b)`), g("if")),
	// Server-side language calls that run commands.
	gated(r(CmdI, "cmdi-exec-call", "(", `\b(?:passthru|shell_exec|popen|proc_open|pcntl_exec|execsync|spawnsync|os\.system|os\.popen|subprocess\.\w+|runtime\.getruntime)\s*\(|\b(?:system|exec|spawn)(?:\(|\s+\(\s*['"$\x60])|<\?php\b|\biex\s*\(`), g("system|passthru|shell_exec|popen|proc_open|pcntl_exec|exec|spawn|execsync|spawnsync|os|subprocess|runtime|php|iex")),
	// PowerShell: cmdlets that fetch or run code, and their aliases when
	// a URL, an option or a path follows.
	gated(r(CmdI, "cmdi-powershell", "-", `\b(?:invoke-(?:webrequest|restmethod|expression|command|item|wmimethod)|start-process|new-object\s+(?:-typename\s+)?(?:system\.)?net\.webclient)\b|\b(?:iwr|irm|iex|iwmi|saps)\s+-?\S*[-/:.]`), g("invoke|start|new|iwr|irm|iex|iwmi|saps")),
	// Log4Shell: a JNDI lookup, whatever the ${...} obfuscation around it.
	gated(r(CmdI, "cmdi-jndi-lookup", ":", `\bjndi\s*:\s*(?:ldaps?|rmi|dns|iiop|corba|nds|nis|https?)\s*:`), g("jndi")),
	// Shell alias definitions ("alias ls='rm -rf ~'").
	gated(r(CmdI, "cmdi-alias", "=", `(?:^|[;&|\x60(]\s*)alias\s+(?:[-+][a-z+]+\s+)*[\w.-]+=`), g("alias")),
	// Shell keywords that only appear in shell code.
	gated(r(CmdI, "cmdi-shell-syntax", "=;", `\balias\s+[^\s=]+\s*=\s*\S|\bexport\s+\w+=|(?:^|[;&|])\s*\w+=\S*\s*(?:&&|;)\s*\$\w|;\s*(?:then|do|done|fi|esac)\b`), g("alias|export|then|do|done|fi|esac", "$")),
	// A shell told to run the string after -c, wherever it stands: "'time
	// sh -c whoami", "$SHELL -c id", "cc -wrapper sh,-c,id".
	gated(r(CmdI, "cmdi-shell-c", "-", `(?:^|[\s;|&,'"\x60(])(?:\$\{?shell\}?|(?:ba|z|k|da|c|tc|a)?sh)\s*[\s,]-c\b`), g("sh|bash|zsh|ksh|dash|csh|tcsh|ash|shell")),
	// SQLite shell dot-commands that run a program, after a separator:
	// "1;.shell whoami", "x;.system id".
	gated(r(CmdI, "cmdi-sqlite-shell", ";\n", `[;\n]\s*\.['"]?(?:shell|system|sh)\s+[a-z/]`), g("shell|system|sh")),
}

func withVeto(ru rule, veto string) rule {
	ru.veto = regexp.MustCompile(veto)
	return ru
}

// sqlWordRules and cmdWordRules are the rules that need no punctuation to
// match; they are the only ones run on values made of words alone.
var (
	sqlWordRules = pick(sqlRules, "sqli-union-select", "sqli-select-from", "sqli-statement", "sqli-catalog", "sqli-alias-from")
	cmdWordRules = pick(cmdRules, "cmdi-command-line", "cmdi-windows-batch", "cmdi-windows-if")
)

func pick(rules []rule, reasons ...string) []rule {
	var out []rule
	for _, ru := range rules {
		for _, want := range reasons {
			if ru.reason == want {
				out = append(out, ru)
			}
		}
	}
	if len(out) != len(reasons) {
		panic("blacklist: unknown rule in pick")
	}
	return out
}

// quoteBreakoutWords are the words the quote break-out pattern accepts
// right after a quote (and blanks or closing parentheses).
var quoteBreakoutWords = []string{"or", "and", "xor", "union", "select", "having", "group", "order", "limit",
	"waitfor", "collate", "procedure", "into", "is", "regexp", "rlike", "like", "in", "between"}

// quoteBreakoutCandidate is a necessary condition of the quote break-out
// pattern, checked in one pass: some quote is followed (after blanks and
// closing parentheses) by a separator, a comment or one of its words. The
// pattern is the costliest of the package on long text with apostrophes
// ("It's for my colleague's..."); this skips it there.
func quoteBreakoutCandidate(s string) bool {
	for q := 0; q < len(s); q++ {
		if c := s[q]; c != '\'' && c != '"' && c != '`' {
			continue
		}
		k := skipBlanks(s, q+1)
		for k < len(s) && s[k] == ')' {
			k++
		}
		rest := s[skipBlanks(s, k):]
		if rest == "" {
			continue
		}
		switch rest[0] {
		case ';', '#':
			return true
		}
		for _, p := range []string{"&&", "||", "--", "/*"} {
			if strings.HasPrefix(rest, p) {
				return true
			}
		}
		for _, w := range quoteBreakoutWords {
			if strings.HasPrefix(rest, w) && (len(rest) == len(w) || !isWordByte(rest[len(w)])) {
				return true
			}
		}
	}
	return false
}

// skipBlanks returns the index of the first byte at or after i that is not
// a blank of RE2's \s class.
func skipBlanks(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\f', '\r':
			i++
			continue
		}
		break
	}
	return i
}

// hiddenSegmentOutsideURL is the generic hidden-directory rule's gate: a
// segment starting with a dot, in a value that is not an http(s) URL.
func hiddenSegmentOutsideURL(s string) bool {
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return false
	}
	return strings.HasPrefix(s, ".") || strings.Contains(s, "/.") || strings.Contains(s, "\\.")
}

func withPre(ru rule, pre func(string) bool) rule {
	ru.pre = pre
	return ru
}

// sqlCommentTail: the comment rule needs a MySQL executable comment, a
// ";--", or a value ending in a comment ("--" or "#", then only blanks or
// dashes), which is how an injection discards the rest of the statement.
func sqlCommentTail(s string) bool {
	if strings.Contains(s, "/*!") || strings.Contains(s, ";--") || strings.Contains(s, "; --") {
		return true
	}
	t := strings.TrimRight(s, " \t\r\n\v\f-")
	return strings.HasSuffix(t, "#") || strings.Contains(s[len(t):], "--")
}

func custom(f Family, reason, need string, m func(string) (int, int, bool)) rule {
	return rule{family: f, reason: reason, need: need, match: m}
}

var (
	strongCmds  = g(shellStrong)
	weakCmds    = g(shellWeak)
	wrapperCmds = map[string]bool{"sudo": true, "nohup": true, "time": true, "nice": true, "strace": true, "ltrace": true,
		"exec": true, "command": true, "builtin": true, "xargs": true, "timeout": true, "cpulimit": true, "env": true}
	shellArgRe = regexp.MustCompile(`^` + shellArg)
	binDirRe   = regexp.MustCompile(`^(?:/usr)?(?:/local)?/s?bin/`)
)

// isCmd reports whether w names a command of the set, allowing the
// versioned and dashed forms the patterns allow ("python3.11",
// "ansible-doc").
func isCmd(set *gate, w string) bool {
	bit := uint64(1) << set.id
	if gateWords[w]&bit != 0 {
		return true
	}
	for _, p := range gatePrefixes {
		if p.mask&bit != 0 && strings.HasPrefix(w, p.p) {
			return true
		}
	}
	if i := strings.IndexByte(w, '-'); i > 0 && gateWords[w[:i]]&bit != 0 && (w[:i] == "ansible" || w[:i] == "chef") {
		return true
	}
	return false
}

func isCmdByte(c byte) bool { return isWordByte(c) || c == '.' || c == '-' }

// matchSeparatorCommand finds a command separator (; | & newline ` ( or
// "$(") followed by an optional "{", wrapper commands (sudo, nohup, env
// X=1...), an optional /usr/local/bin/ path, and a command: a strong one
// whatever follows, a weak one only when shell syntax follows (shellArg).
// Each separator is examined once and each examination reads a bounded
// number of words, so the cost is linear in the value.
func matchSeparatorCommand(s string) (int, int, bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ';', '|', '&', '\n', '`', '(':
		case '$':
			if i+1 >= len(s) || s[i+1] != '(' {
				continue
			}
			i++
		default:
			continue
		}
		j := i + 1
		skipSpace := func() {
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '{') {
				j++
			}
		}
		for range 5 {
			skipSpace()
			if loc := binDirRe.FindStringIndex(s[j:]); loc != nil {
				j += loc[1]
			}
			k := j
			for k < len(s) && isCmdByte(s[k]) && k-j < 64 {
				k++
			}
			if k == j {
				break
			}
			w := s[j:k]
			if isCmd(strongCmds, w) {
				return i, k, true
			}
			if isCmd(weakCmds, w) && shellArgRe.MatchString(s[k:min(len(s), k+256)]) {
				return i, min(len(s), k+16), true
			}
			if !wrapperCmds[w] {
				break
			}
			// Skip the wrapper's own arguments: "env A=1", "timeout 5".
			j = k
			for {
				skipSpace()
				a := j
				for a < len(s) && s[a] != ' ' && s[a] != '\t' && a-j < 64 {
					a++
				}
				arg := s[j:a]
				if arg == "" || !(strings.Contains(arg, "=") || strings.HasPrefix(arg, "-") || isDigits(arg)) {
					break
				}
				j = a
			}
		}
	}
	return 0, 0, false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// cmdRawRules run on the lower-cased value before shellView removes the
// quoting tricks: they look for the tricks themselves.
var cmdRawRules = []rule{
	// A command name split by constructs the shell expands to nothing
	// ("pi``ng", "who$()ami", "ping$() 127.0.0.1", "py""th""on"): the
	// plain command may be ordinary text ("ping 127.0.0.1"), the split
	// one is not.
	custom(CmdI, "cmdi-split-command", "`'\"$<>", matchSplitCommand),
	// Mail protocol commands after a CR LF: a value that reaches an
	// SMTP, POP3 or IMAP conversation (a mail form, a webmail folder
	// name) and injects commands of its own. Only the forms that carry a
	// command's syntax: an address in angle brackets, a host name, a
	// message number, an APOP digest, a tagged IMAP command. Bare verbs
	// ("DATA", "QUIT") read like headings and are left out.
	r(CmdI, "cmdi-mail-command", "\r", `\r\n[ \t]*(?:(?:mail\s+from|rcpt\s+to)\s*:\s*<|(?:helo|ehlo)\s+[\w-]+(?:\.[\w-]+)+\s*(?:\r|$)|auth\s+(?:plain|login|cram-md5|xoauth2|[\w-]+\s+[a-z0-9+/]{8,}={0,2})\s*(?:\r|$)|apop\s+\S+\s+[0-9a-f]{32}\b|(?:retr|dele|list|top|uidl)\s+\d+(?:\s+\d+)?\s*(?:\r|$)|[a-z]+\d+[a-z0-9]*\s+(?:login|authenticate|select|examine|create|delete|rename|subscribe|unsubscribe|list|lsub|status|append|check|close|expunge|search|fetch|store|copy|uid|logout|capability|noop)\s)`),
}

// emptyExpansion returns the length of the construct at s[i:] that a
// shell expands to nothing, or 0: an empty quoted string, an empty
// command or process substitution, "$@", "$*", "$!", or an unset-looking
// variable glued to a word. quote reports the empty quoted strings, which
// only count inside a word (two apostrophes also escape one in SQL and
// CSV).
func emptyExpansion(s string, i int) (n int, quote bool) {
	rest := s[i:]
	switch {
	case strings.HasPrefix(rest, "``"):
		return 2, false
	case strings.HasPrefix(rest, "''"), strings.HasPrefix(rest, `""`):
		return 2, true
	case strings.HasPrefix(rest, "$()"), strings.HasPrefix(rest, "<()"), strings.HasPrefix(rest, ">()"):
		return 3, false
	case strings.HasPrefix(rest, "$@"), strings.HasPrefix(rest, "$*"), strings.HasPrefix(rest, "$!"):
		return 2, false
	case rest[0] == '$':
		return gluedVar(s, i), false
	}
	return 0, false
}

// matchSplitCommand finds a word of command bytes that contains an empty
// expansion and, joined, names a command: a strong one whatever follows,
// a weak one only when shell syntax follows (as the separator rule).
func matchSplitCommand(s string) (int, int, bool) {
	var word []byte
	start, split := -1, false
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			if isCmdByte(s[i]) {
				if start < 0 {
					start = i
				}
				word = append(word, s[i])
				continue
			}
			if len(word) > 0 && len(word) < 64 {
				if n, quote := emptyExpansion(s, i); n > 0 && (!quote || i+n < len(s) && isWordByte(s[i+n])) {
					split = true
					i += n - 1
					continue
				}
			}
		}
		if split {
			w := string(word)
			if isCmd(strongCmds, w) || isCmd(weakCmds, w) && shellArgRe.MatchString(s[i:min(len(s), i+256)]) {
				return start, i, true
			}
		}
		word, start, split = word[:0], -1, false
	}
	return 0, 0, false
}
