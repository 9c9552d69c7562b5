// Package blacklist detects injection attacks (SQL, XSS, path traversal,
// OS command) in the string values of a request that has already passed
// contract validation. It is the firewall's "blacklist after the
// whitelist" stage (firewall.StageBlacklist).
//
// # Tiers
//
// The default tier (Detector) runs libinjection (SQLi, XSS) and the
// package's own rules over each value and its decoded form: URL decoding
// repeated up to three times (with %uXXXX and overlong UTF-8), HTML
// character references, \uXXXX/\xXX escapes, NUL removal and Unicode NFKC
// folding. Every rule is a Go regular expression (RE2, linear time) behind
// cheap token and byte gates, so no input can make it backtrack. The
// optional tier (CRS) runs the default tier, then Coraza with the OWASP
// Core Rule Set (the rule files of the selected families, minus
// Config.ExcludeRules) at a configurable paranoia level on what passed;
// it detects more and is much slower.
//
// # How the blacklist stage calls it
//
// At start-up, per operation:
//
//	chk, err := blacklist.New(cfg.Blacklist)              // once; Validate() errors are config errors
//	pol, err := blacklist.BuildSkipPolicy(doc, mt.Schema) // per parameter and per JSON media type;
//	                                                      // on error use nil (skip nothing)
//
// Per request, after request validation succeeded (so values already
// satisfy their schemas, which is what makes the skip policy sound):
//
//   - each path, query, header and cookie parameter value the operation
//     declares: if !paramPolicy.Safe("") { f := chk.Check(value,
//     blacklist.Context{In: "query", Name: name}) }; with CheckKeys, also
//     the names of query parameters the operation does not declare
//     (Context.Key = true);
//   - the decoded JSON body (internal/firewall/body.DecodeJSON output):
//     f := blacklist.Walk(chk, v, blacklist.WalkOptions{Policy: bodyPolicy,
//     CheckKeys: *cfg.CheckKeys}).
//
// Stop at the first finding with f.Detected(). Mapping to the response:
//
//   - mode block: 403 Forbidden, reason code "blacklist-" + f.Family
//     ("blacklist-sqli", "blacklist-xss", "blacklist-traversal",
//     "blacklist-cmdi", or "blacklist-generic" for CRS rules outside the
//     four families); f.Reason (e.g. "sqli-tautology", "crs-942100") and
//     f.Where go to the audit log as the detail;
//   - mode monitor: record the same violation and continue.
//
// f.Evidence is an escaped excerpt of at most EvidenceMax bytes around the
// match; it is safe to log. Do not pass secrets (Authorization, cookies
// used as credentials, API keys) to Check: the authentication stages own
// them, and Evidence would quote them.
//
// Checkers are safe for concurrent use; build one per configuration and
// share it. Check never fails: a value longer than MaxValueBytes is
// inspected at its head and its tail.
package blacklist
