package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/spec"
)

// Database, shell and file signatures: text that only shows up in an
// answer when the payload reached the interpreter.
var (
	sqlErrorRe   = regexp.MustCompile(`(?i)SQL syntax|SQLSTATE\[|\bsqlite3?[._]|SQLite error|ORA-\d{5}|PostgreSQL.{0,40}ERROR|\bpg_query\b|unterminated quoted string|quoted string not properly terminated|mysql_fetch|You have an error in your SQL|Microsoft OLE DB|ODBC SQL Server|syntax error at or near|Unclosed quotation mark|SQLException|psycopg2\.|near "[^"]*": syntax error`)
	noSQLErrorRe = regexp.MustCompile(`MongoError|MongoServerError|BSONError|CastError: Cast to|unknown operator: \$|\$where`)
	cmdOutputRe  = regexp.MustCompile(`uid=\d+\([^)]*\) gid=\d+`)
	fileRe       = regexp.MustCompile(`root:[x*]?:0:0:|\[boot loader\]|; for 16-bit app support`)
)

// probeDelay is how long time-based payloads ask the target to sleep.
const probeDelay = 3 * time.Second

type payloadSet struct {
	rule     string
	family   string
	errorRe  *regexp.Regexp
	payloads []string
}

// injection sends SQL, NoSQL, OS-command and path-traversal payloads into
// every free-text input of the request, one at a time. Findings need
// evidence in the answer: interpreter error text or command/file output,
// a 5xx that an escaped variant does not cause, a true/false condition
// that changes the answer, or (with --aggressive) a delay the payload
// asked for.
func (e *engine) injection(ctx context.Context, op *spec.Operation, r0 *request) {
	// Passwords are left out: they are hashed, not interpreted, and
	// failed logins with them would lock the scan's own accounts.
	ins := e.inputs(op, r0, func(name string, n gen.Node) bool { return stringLike(n) && !passwordNameRe.MatchString(name) })
	for _, in := range ins {
		if e.halted(ctx) {
			return
		}
		e.sqlProbe(ctx, op, r0, in)
		e.noSQLProbe(ctx, op, r0, in)
		e.signatureProbe(ctx, op, r0, in, payloadSet{RuleCommandInjection, "OS command", cmdOutputRe,
			[]string{in.value + ";id", in.value + "$(id)", in.value + "|id"}})
		e.signatureProbe(ctx, op, r0, in, payloadSet{RulePathTraversal, "path traversal", fileRe,
			[]string{"../../../../../../../../etc/passwd", `..\..\..\..\..\..\windows\win.ini`, "....//....//....//....//....//etc/passwd"}})
		if e.opts.Aggressive {
			e.timeProbe(ctx, op, r0, in, RuleSQLi, in.value+"' AND SLEEP(%d)-- -", in.value+"'||pg_sleep(%d)--")
			e.timeProbe(ctx, op, r0, in, RuleCommandInjection, in.value+";sleep %d", in.value+"$(sleep %d)")
		}
	}
}

// probe sends r0 with one input replaced.
func (e *engine) probe(ctx context.Context, r0 *request, in input, v any, label string) *exchange {
	r := r0.clone()
	in.set(r, v)
	e.stats["attack_probes"]++
	x := e.send(ctx, r, label)
	// A probe's own deadline (time-based, ReDoS) is evidence, not a reason
	// to stop; the scan's deadline is caught by halted.
	if x.Err != nil && !errors.Is(x.Err, context.DeadlineExceeded) {
		e.stop(x.Err)
	}
	return x
}

// signatureProbe flags a payload whose answer carries the family's
// signature (and did not before).
func (e *engine) signatureProbe(ctx context.Context, op *spec.Operation, r0 *request, in input, ps payloadSet) {
	if hx := e.happyX[op]; hx != nil && ps.errorRe.Match(hx.RespBody) {
		return
	}
	for _, p := range ps.payloads {
		if e.halted(ctx) {
			return
		}
		x := e.probe(ctx, r0, in, p, ps.family+" payload in "+in.name)
		if x.Err != nil {
			return
		}
		if m := ps.errorRe.Find(x.RespBody); m != nil {
			e.add(ps.rule, op, "injection",
				fmt.Sprintf("A %s payload in %s of %s produced %q in the answer (%d).", ps.family, in.name, op.Key(), clip(string(m), 60), x.Status),
				"the payload treated as data", fmt.Sprintf("%s=%q -> %d, %q", in.name, p, x.Status, clip(string(m), 60)), x)
			return
		}
	}
}

// sqlProbe: error-based (a quote causes a database error, or a 5xx that
// the escaped quote does not) and boolean-based (OR true and AND false
// conditions give different answers, and a second true condition gives
// the first one's).
func (e *engine) sqlProbe(ctx context.Context, op *spec.Operation, r0 *request, in input) {
	q := e.probe(ctx, r0, in, in.value+"'", "SQL quote in "+in.name)
	if q.Err != nil {
		return
	}
	if m := sqlErrorRe.Find(q.RespBody); m != nil {
		e.add(RuleSQLi, op, "injection",
			fmt.Sprintf("A single quote in %s of %s produced a database error (%q, status %d).", in.name, op.Key(), clip(string(m), 60), q.Status),
			"the quote treated as data", fmt.Sprintf("%s=%q -> %d, %q", in.name, in.value+"'", q.Status, clip(string(m), 60)), q)
		return
	}
	if q.Status >= 500 {
		esc := e.probe(ctx, r0, in, in.value+"''", "escaped SQL quote in "+in.name)
		if esc.Err == nil && esc.Status < 500 {
			e.add(RuleSQLi, op, "injection",
				fmt.Sprintf("A single quote in %s of %s caused %d; the escaped quote ('') did not (%d).", in.name, op.Key(), q.Status, esc.Status),
				"the quote treated as data", fmt.Sprintf("' -> %d, '' -> %d", q.Status, esc.Status), q, esc)
			return
		}
	}
	t := in.value + "' OR '1'='1"
	f := in.value + "' AND '1'='2"
	t2 := in.value + "' OR 'b'='b"
	if e.differs(ctx, op, r0, in, t, f, t2) {
		return
	}
}

// differs runs a boolean differential: the true payload's answer differs
// from the false one's (payload text removed), is larger, and a second
// true payload reproduces it.
func (e *engine) differs(ctx context.Context, op *spec.Operation, r0 *request, in input, t, f, t2 string) bool {
	xt := e.probe(ctx, r0, in, t, "true condition in "+in.name)
	if xt.Err != nil || xt.Status < 200 || xt.Status >= 300 {
		return false
	}
	xf := e.probe(ctx, r0, in, f, "false condition in "+in.name)
	if xf.Err != nil || xf.Status != xt.Status {
		return false
	}
	bt, bf := strip(xt.RespBody, t, in.value), strip(xf.RespBody, f, in.value)
	if bytes.Equal(bt, bf) || len(bt) <= len(bf) {
		return false
	}
	xt2 := e.probe(ctx, r0, in, t2, "second true condition in "+in.name)
	if xt2.Err != nil || !bytes.Equal(strip(xt2.RespBody, t2, in.value), bt) {
		return false
	}
	rule, family := RuleSQLi, "SQL"
	if strings.Contains(t, "$ne") {
		rule, family = RuleNoSQLi, "NoSQL operator"
	}
	e.add(rule, op, "injection",
		fmt.Sprintf("A %s condition in %s of %s changes the answer: %q returned %d bytes, %q %d bytes.", family, in.name, op.Key(), t, len(bt), f, len(bf)),
		"both conditions treated as data (same answer)", fmt.Sprintf("true: %d bytes, false: %d bytes", len(bt), len(bf)), xt, xf)
	return true
}

// strip removes the payload (raw, JSON- and URL-encoded) and the original
// value from an answer, so an API that echoes its input compares equal.
func strip(body []byte, payload, orig string) []byte {
	out := body
	for _, s := range []string{payload, url.QueryEscape(payload), url.PathEscape(payload), jsonEscape(payload)} {
		if s != "" {
			out = bytes.ReplaceAll(out, []byte(s), nil)
		}
	}
	if orig != "" {
		out = bytes.ReplaceAll(out, []byte(orig), nil)
	}
	return out
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

// noSQLProbe: operator strings ($ne against $eq on the same value) and
// error signatures of document databases.
func (e *engine) noSQLProbe(ctx context.Context, op *spec.Operation, r0 *request, in input) {
	x := e.probe(ctx, r0, in, `{"$gt":""}`, "NoSQL operator in "+in.name)
	if x.Err != nil {
		return
	}
	if m := noSQLErrorRe.Find(x.RespBody); m != nil {
		if hx := e.happyX[op]; hx == nil || !noSQLErrorRe.Match(hx.RespBody) {
			e.add(RuleNoSQLi, op, "injection",
				fmt.Sprintf("A query operator in %s of %s produced a database error (%q).", in.name, op.Key(), clip(string(m), 60)),
				"the operator treated as data", fmt.Sprintf("%s -> %d, %q", in.name, x.Status, clip(string(m), 60)), x)
			return
		}
	}
	e.differs(ctx, op, r0, in, `{"$ne":"rampart0probe"}`, `{"$eq":"rampart0probe"}`, `{"$ne":"rampart1probe"}`)
}

// timeProbe (--aggressive only) asks the interpreter to sleep: the answer
// must take at least the delay, while the same payload asking for no
// delay stays fast. Each request is bounded by the delay plus the
// per-request timeout.
func (e *engine) timeProbe(ctx context.Context, op *spec.Operation, r0 *request, in input, rule string, formats ...string) {
	base := time.Second
	if hx := e.happyX[op]; hx != nil && hx.Duration > 0 {
		base = hx.Duration
	}
	if base > probeDelay/2 {
		return // too slow a target to tell a delay apart
	}
	for _, f := range formats {
		if e.halted(ctx) {
			return
		}
		slow := fmt.Sprintf(f, int(probeDelay/time.Second))
		pctx, cancel := context.WithTimeout(ctx, probeDelay+e.opts.Timeout)
		x := e.probe(pctx, r0, in, slow, "time-based payload in "+in.name)
		cancel()
		if x.Duration < probeDelay-200*time.Millisecond {
			continue
		}
		fast := fmt.Sprintf(f, 0)
		y := e.probe(ctx, r0, in, fast, "zero-delay control in "+in.name)
		if y.Err != nil || y.Duration >= probeDelay/2 {
			continue
		}
		e.stats["time_based_hits"]++
		e.add(rule, op, "injection",
			fmt.Sprintf("A time-based payload in %s of %s delayed the answer by %s (the zero-delay variant took %s).", in.name, op.Key(), x.Duration.Round(time.Millisecond), y.Duration.Round(time.Millisecond)),
			"no delay caused by input", fmt.Sprintf("%q took %s", slow, x.Duration.Round(time.Millisecond)), x, y)
		return
	}
}

// redos (--aggressive only) sends, into each input with a pattern, a long
// string that almost matches it, under a strict timeout: an answer far
// slower than the happy path (or none) means backtracking on input.
func (e *engine) redos(ctx context.Context, op *spec.Operation, r0 *request) {
	if !e.opts.Aggressive {
		return
	}
	ins := e.inputs(op, r0, func(_ string, n gen.Node) bool {
		p, ok := n.V["pattern"].(string)
		return ok && p != ""
	})
	base := 200 * time.Millisecond
	if hx := e.happyX[op]; hx != nil && hx.Duration > base {
		base = hx.Duration
	}
	limit := max(2*time.Second, 10*base)
	for _, in := range ins {
		if e.halted(ctx) {
			return
		}
		c := "a"
		if in.value != "" {
			c = in.value[:1]
		}
		payload := strings.Repeat(c, 20000) + "!"
		pctx, cancel := context.WithTimeout(ctx, limit+2*time.Second)
		x := e.probe(pctx, r0, in, payload, "ReDoS payload in "+in.name)
		cancel()
		if x.Duration < limit {
			continue
		}
		e.stats["redos_hits"]++
		actual := fmt.Sprintf("%s (happy path: %s)", x.Duration.Round(time.Millisecond), base.Round(time.Millisecond))
		if x.Err != nil {
			actual = "no answer within " + (limit + 2*time.Second).String()
		}
		e.add(RuleReDoS, op, "redos",
			fmt.Sprintf("A %d-character string almost matching the pattern of %s made %s answer in %s.", len(payload), in.name, op.Key(), actual),
			"an answer as fast as the happy path", actual, x)
		return
	}
}
