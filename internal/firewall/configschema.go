package firewall

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"

	"github.com/rampart-sec/rampart/internal/firewall/authn"
	"github.com/rampart-sec/rampart/internal/firewall/body"
)

// The published JSON Schema of the configuration file is generated from
// the Config type (yaml tags), so it cannot drift from what the loader
// accepts. docs/config.schema.json and docs/config.md are its outputs; a
// test fails when either is stale.

// SchemaID is the $id of the published configuration schema.
const SchemaID = "https://rampart-sec.github.io/rampart/config.schema.json"

// durationPattern matches Go durations ("1m30s", "250ms", "0s"). A
// duration is a string: the loader (yaml.v3 into time.Duration) refuses
// YAML numbers, even 0, so the schema refuses them too.
const durationPattern = `^-?([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^0$`

// durationHint is the problem reported for a number where a duration is
// expected.
const durationHint = "write a duration with its unit, such as 0s or 10s"

var durationType = reflect.TypeFor[time.Duration]()

// schemaEnums pins the values of string fields, by dotted path ("[]" for
// array items, "*" for map values).
var schemaEnums = map[string][]string{
	"mode":                                     {"block", "monitor"},
	"response_mode":                            {"block", "strip", "monitor", "off"},
	"streaming":                                {"auto", "exempt", "block"},
	"operations.*.mode":                        {"block", "monitor"},
	"operations.*.response_mode":               {"block", "strip", "monitor", "off"},
	"ip_rules.header":                          {"x-forwarded-for", "forwarded"},
	"rate_limits.store":                        {"memory", "redis"},
	"rate_limits.on_store_error":               {"open", "closed"},
	"rate_limits.rules[].scope":                {"api", "operation"},
	"blacklist.mode":                           {"block", "monitor"},
	"blacklist.tier":                           {"default", "crs"},
	"blacklist.families[]":                     {"sqli", "xss", "traversal", "cmdi", "generic"},
	"authentication.denylist.backend":          {"memory", "redis"},
	"authentication.dpop_replay.backend":       {"memory", "redis"},
	"authentication.schemes.*.require_binding": {"", "mtls", "dpop"},
}

// schemaIntEnums pins the values of integer fields, by dotted path.
var schemaIntEnums = map[string][]int{
	"version": {ConfigVersion},
}

// ConfigVersion is the configuration format this build reads.
const ConfigVersion = 1

// settingBound is what a numeric or duration setting accepts beyond what
// its Go type holds. Every such setting reads 0 as "unset", and most fell
// back to their default on 0 or on a negative value too, so that
// `max_json_depth: 0` or `read: -1s` passed validation and then silently
// meant 64 and 30s. Such values are refused, with the key path, unless
// they mean something.
type settingBound struct {
	// min is the smallest integer accepted, published as the schema's
	// minimum.
	min int64
	// zeroOK keeps a zero duration, which means something (no leeway, no
	// limit) rather than the default.
	zeroOK bool
	// negOK keeps negative durations: they switch something off
	// (neg says what, for the message about 0).
	negOK bool
	neg   string
	// negChecked: the section's own validation refuses negative values
	// with a message about the section, so only 0 is checked here (one
	// message per mistake).
	negChecked bool
	// def is what leaving the key out gives, for the message about 0.
	def string
}

// settingBounds are the bounds of every integer and duration setting, by
// dotted path ("[]" for list items, "*" for map values). A test fails when
// a numeric or duration key of the schema is missing, so a new setting is
// classified when it is added.
var settingBounds = map[string]settingBound{
	"limits.max_body_bytes":         {min: 1, def: "1 MiB"},
	"limits.max_decoded_body_bytes": {min: 1, def: "8 × the body limit in force"},
	"limits.max_json_depth":         {min: 1, def: strconv.Itoa(body.DefaultMaxDepth)},
	"limits.max_json_elements":      {min: 1, def: strconv.Itoa(body.DefaultMaxElements)},
	"limits.max_json_number_length": {min: 1, def: strconv.Itoa(body.DefaultMaxNumberLen)},
	"limits.max_query_params":       {min: 1, def: "256"},
	"limits.max_response_bytes":     {min: 1, def: "8 MiB"},
	"limits.max_header_bytes":       {min: 1, def: "64 KiB"},
	"operations.*.max_body_bytes":   {min: 1, def: "limits.max_body_bytes"},

	"timeouts.read_header": {def: "5s"},
	"timeouts.read":        {def: "30s"},
	"timeouts.write":       {def: "60s"},
	"timeouts.idle":        {def: "120s"},
	"timeouts.upstream":    {def: "30s"},
	"timeouts.stream_idle": {def: "60s"},
	"timeouts.drain":       {def: "15s"},
	"watch_interval":       {negOK: true, neg: "disable watching", def: "2s"},

	"audit.queue":                              {min: 1, def: "4096"},
	"audit.wait":                               {def: "100ms"},
	"audit.tamper_evident.checkpoint_every":    {min: 1, def: "1000"},
	"audit.tamper_evident.checkpoint_interval": {negChecked: true, def: "10s"},

	"authentication.denylist.max_ttl":                     {negChecked: true, def: "24h"},
	"authentication.denylist.timeout":                     {negChecked: true, def: authn.DefaultRedisTimeout.String()},
	"authentication.denylist.redis_db":                    {min: 0},
	"authentication.dpop_replay.timeout":                  {negChecked: true, def: authn.DefaultRedisTimeout.String()},
	"authentication.dpop_replay.redis_db":                 {min: 0},
	"authentication.schemes.*.basic.cache_size":           {min: 1, negChecked: true, def: "1000"},
	"authentication.schemes.*.basic.cache_ttl":            {negOK: true, neg: "disable the cache", def: "60s"},
	"authentication.schemes.*.dpop.leeway":                {negChecked: true, def: "5s"},
	"authentication.schemes.*.dpop.max_age":               {negChecked: true, def: "60s"},
	"authentication.schemes.*.dpop.replay_cache_size":     {min: 1, negChecked: true, def: "100000"},
	"authentication.schemes.*.introspection.cache_size":   {min: 1, negChecked: true, def: "10000"},
	"authentication.schemes.*.introspection.cache_ttl":    {negChecked: true, def: "60s"},
	"authentication.schemes.*.introspection.negative_ttl": {negChecked: true, def: "10s"},
	"authentication.schemes.*.introspection.timeout":      {negChecked: true, def: "3s"},
	"authentication.schemes.*.jwt.fetch_timeout":          {negChecked: true, def: "5s"},
	"authentication.schemes.*.jwt.refresh":                {negChecked: true, def: "1h"},
	"authentication.schemes.*.jwt.min_refresh":            {negChecked: true, def: "30s"},
	// 0 is no leeway and no age limit, as when unset.
	"authentication.schemes.*.jwt.leeway":  {zeroOK: true, negChecked: true},
	"authentication.schemes.*.jwt.max_age": {zeroOK: true, negChecked: true},

	"blacklist.exclude_rules[]": {min: 900000},
	"blacklist.max_value_bytes": {min: 256, def: "64 KiB"},
	"blacklist.paranoia_level":  {min: 1, def: "1"},
	"cors.max_age":              {negChecked: true, def: "10m"},
	// A negative max_age disables HSTS; 0 read as unset sent a year.
	"response_headers.hsts.max_age": {negOK: true, neg: "disable HSTS", def: "8760h"},

	"rate_limits.rules[].rate":                {min: 1},
	"rate_limits.rules[].burst":               {min: 1, def: "rate"},
	"rate_limits.rules[].period":              {},
	"rate_limits.credential_endpoints.rate":   {min: 1, def: "10"},
	"rate_limits.credential_endpoints.burst":  {min: 1, def: "rate"},
	"rate_limits.credential_endpoints.period": {def: "1m"},
	"rate_limits.memory.max_keys":             {min: 1, def: "1000000"},
	"rate_limits.memory.shards":               {min: 1, def: "64"},
	"rate_limits.redis.db":                    {min: 0},
	"rate_limits.redis.pool_size":             {min: 1, def: "10 per CPU"},
	"rate_limits.redis.timeout":               {negChecked: true, def: "50ms"},
}

// schemaDescriptions document the sections; the field-level reference is
// in the protection chapters of docs/protect.md.
var schemaDescriptions = map[string]string{
	"":                       "Configuration of `rampart protect` (the API firewall).",
	"spec":                   "OpenAPI definition to enforce (path).",
	"upstream":               "Base URL of the protected API (http or https).",
	"listen":                 "Address the proxy listens on (default 127.0.0.1:8080).",
	"version":                "Version of the configuration format: 1. Optional; a file written for another version is refused rather than misread.",
	"admin":                  "Address of /healthz, /readyz, /metrics and the /denylist revocation endpoint (default 127.0.0.1:9901; keep it private: it has no authentication).",
	"mode":                   "Request mode: block refuses violations, monitor records them and forwards (hard rejections apply in both).",
	"response_mode":          "Response mode (default: as mode).",
	"allow_spec_overrides":   "Lets x-rampart-* extensions in the contract loosen this configuration; without it they can only tighten it.",
	"open_objects":           "Do not treat objects without additionalProperties as closed.",
	"tls_cert":               "TLS certificate (PEM); enables HTTPS and HTTP/2.",
	"tls_key":                "TLS private key (PEM).",
	"log":                    "Audit log file (JSON lines); empty or - is standard output.",
	"base_path":              "Replaces the base paths of the contract's servers: the document's, path items' and operations' alike.",
	"limits":                 "Size bounds of requests and responses.",
	"timeouts":               "Server and upstream timeouts (durations).",
	"timeouts.stream_idle":   "Longest wait for the next bytes of a response body relayed unbuffered (event streams, bodies over max_response_bytes, responses not checked); the response is then cut (default 60s).",
	"audit":                  "Audit log queue and tamper-evident chaining.",
	"audit.tamper_evident":   "Hash chain and Ed25519-signed checkpoints (verify with `rampart log verify`).",
	"operations":             "Per-operation settings keyed by operationId or \"METHOD /path\".",
	"streaming":              "Streamed or oversized responses: auto (default: event streams and bodies the contract does not validate pass unvalidated, an oversized JSON or text body with a schema is refused), exempt (all pass unvalidated) or block (all refused).",
	"watch_interval":         "How often the spec files are checked for changes.",
	"authentication":         "Verifiers per security scheme of the contract (JWT/JWKS/OIDC, introspection, API keys, basic, mTLS, DPoP), the token denylist and the DPoP replay store.",
	"authentication.schemes": "Keyed by the security scheme name in components.securitySchemes.",
	"signed_payloads":        "Keys that verify JWS-signed request bodies (application/jose or a detached signature header).",
	"client_certificates":    "CA bundle for operations that require a client certificate (required, or x-rampart-mtls in the contract).",
	"ip_rules":               "Client address (trusted proxies and forwarding header) and allow/deny CIDR lists.",
	"rate_limits":            "GCRA rate limits keyed by ip, api-key or claim:<name>; memory or Redis store.",
	"response_headers":       "Security headers set on every response (HSTS on TLS only).",
	"cors":                   "Cross-origin policy; preflights are answered by the firewall.",
	"blacklist":              "Injection detection (SQLi, XSS, traversal, command injection) after validation.",

	"authentication.denylist.timeout":    "Longest wait on Redis of one token lookup, dial included (default " + authn.DefaultRedisTimeout.String() + "); then 503, or the token passes with fail_open.",
	"authentication.dpop_replay.timeout": "Longest wait on Redis of one proof, dial included (default " + authn.DefaultRedisTimeout.String() + "); then 503, or this node's memory with fail_open.",
	"authentication.dpop_replay":         "Where accepted DPoP proofs are recorded so that each is used once: memory (default, one node; the schemes' dpop.replay_cache_size together) or redis (shared by a fleet; 503 when Redis cannot answer unless fail_open).",

	"authentication.denylist.redis_username":        "Redis ACL user (Redis 6 and later); the default user when empty. Its password comes from redis_password_env.",
	"authentication.dpop_replay.redis_username":     "Redis ACL user (Redis 6 and later); the default user when empty. Its password comes from redis_password_env.",
	"authentication.denylist.redis_tls":             redisTLSDescription("redis_ca_file"),
	"authentication.denylist.redis_ca_file":         redisCADescription("redis_tls"),
	"authentication.dpop_replay.redis_tls":          redisTLSDescription("redis_ca_file"),
	"authentication.schemes.*.dpop.external_origin": "Required with dpop: the origin clients call (scheme://host[:port], https://api.example.com), which a proof's htu must name with the request's path. The Host header a request carries is never used: it is the client's to choose.",
	"authentication.dpop_replay.redis_ca_file":      redisCADescription("redis_tls"),
	"rate_limits.redis.tls":                         redisTLSDescription("ca_file"),
	"rate_limits.redis.ca_file":                     redisCADescription("tls"),

	"rate_limits.credential_endpoints":         "Default limit, by client address and per operation, of every credential operation (login, sign-up, password recovery, one-time code check, token grant) that has no limit keyed by ip of its own (an operation- or path-level x-rampart-rate-limit, or a rule whose operations name it). Charged before authentication.",
	"rate_limits.credential_endpoints.enabled": "Set false to leave credential operations without the default limit (default true).",
	"rate_limits.credential_endpoints.rate":    "Requests per period from one client address to one credential operation (default 10; at least 1).",
	"rate_limits.credential_endpoints.period":  "The period of rate (default 1m).",
	"rate_limits.credential_endpoints.burst":   "Requests that may arrive at once (default: rate).",

	"limits.max_body_bytes":                    "Largest request body, in bytes; over it: 413.",
	"limits.max_decoded_body_bytes":            "Largest request body once its Content-Encoding is undone, in bytes, for every operation (default: 8 × the body limit in force, the operation's where it has its own).",
	"limits.max_json_depth":                    "Deepest nesting of a JSON body.",
	"limits.max_json_elements":                 "Most values (members and items) in a JSON body.",
	"limits.max_json_number_length":            "Longest number in a JSON body, in characters.",
	"limits.max_query_params":                  "Most query parameters of a request; raised, per operation, to the query keys it declares.",
	"limits.max_response_bytes":                "Largest response body buffered and validated, in bytes; larger ones follow streaming.",
	"limits.max_header_bytes":                  "Largest request header, and largest response header relayed, in bytes.",
	"operations.*.max_body_bytes":              "Request body limit of this operation, in bytes (default: limits.max_body_bytes).",
	"audit.queue":                              "Records the audit log queue holds.",
	"audit.wait":                               "Longest wait for room in a full audit queue; then 503 audit-backpressure.",
	"response_headers.hsts.max_age":            "HSTS max-age, on TLS responses.",
	"cors.max_age":                             "How long browsers may cache a preflight (at most 2h; under 1s sends 0: no caching).",
	"authentication.schemes.*.jwt.leeway":      "Clock skew allowed on exp, nbf and iat (at most 5m); 0, the default, allows none.",
	"authentication.schemes.*.jwt.max_age":     "Refuses tokens whose iat is older; 0, the default, sets no limit.",
	"authentication.schemes.*.basic.cache_ttl": "How long a verified credential skips bcrypt (at most 10m).",
}

// boundNote says what a bounded setting accepts and what leaving it out
// gives, for the reference; desc is its description so far.
func boundNote(b settingBound, duration bool, desc string) string {
	var notes []string
	if b.def != "" && !strings.Contains(desc, "(default") {
		notes = append(notes, "Default "+b.def+".")
	}
	switch {
	case !duration && b.min == 0:
		notes = append(notes, "Not negative.")
	case !duration && !strings.Contains(desc, fmt.Sprintf("at least %d", b.min)):
		notes = append(notes, fmt.Sprintf("At least %d.", b.min))
	case !duration:
	case b.zeroOK:
		// The description says what 0 means.
	case b.negOK:
		notes = append(notes, "Write a negative duration to "+b.neg+"; 0 is refused.")
	default:
		notes = append(notes, "Positive.")
	}
	return strings.Join(notes, " ")
}

// redisTLSDescription describes the TLS switch of a Redis section whose CA
// bundle is the key caFile.
func redisTLSDescription(caFile string) string {
	return "Connect to Redis over TLS (1.2 at least), verifying the server's certificate and its name (the host of the address) against the system roots, or against " + caFile + " when set."
}

// redisCADescription describes the CA bundle of a Redis section whose TLS
// switch is the key tls.
func redisCADescription(tls string) string {
	return "PEM file of the CAs that issue the Redis server's certificate, for a private CA (with " + tls + ": true); read at start-up, which stops if it is missing or holds no certificate."
}

// ConfigSchema returns the JSON Schema (draft 2020-12) of the
// configuration file, as indented JSON.
func ConfigSchema() []byte {
	root := schemaOf(reflect.TypeFor[Config](), "")
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = SchemaID
	root["title"] = "rampart protect configuration"
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(root)
	return buf.Bytes()
}

func schemaOf(t reflect.Type, path string) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == durationType:
		s = map[string]any{"type": "string", "pattern": durationPattern}
	case t.Kind() == reflect.Struct:
		props := map[string]any{}
		collectProps(t, path, props)
		s = map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": schemaOf(t.Elem(), path+"[]")}
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), join(path, "*"))}
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
		if e, ok := schemaEnums[path]; ok {
			vals := make([]any, len(e))
			for i, v := range e {
				vals[i] = v
			}
			s["enum"] = vals
		}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer"}
		if e, ok := schemaIntEnums[path]; ok {
			vals := make([]any, len(e))
			for i, v := range e {
				vals[i] = v
			}
			s["enum"] = vals
		} else {
			// What the field can hold: a larger number passes "integer"
			// but the loader cannot store it.
			bits := 64 // int and uint too, so that the schema is the same on every platform
			if k := t.Kind(); k != reflect.Int && k != reflect.Uint {
				bits = t.Bits()
			}
			s["minimum"], s["maximum"] = intBounds(t.Kind() >= reflect.Uint, bits)
			if b, ok := settingBounds[path]; ok {
				s["minimum"] = b.min
			}
		}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s = map[string]any{"type": "number"}
	default:
		s = map[string]any{}
	}
	if nullable {
		// `section:` with nothing under it is null in YAML: the default.
		switch ty := s["type"].(type) {
		case string:
			s["type"] = []any{ty, "null"}
		case []any:
			s["type"] = append(ty, "null")
		}
	}
	d := schemaDescriptions[path]
	if b, ok := settingBounds[path]; ok {
		if note := boundNote(b, t == durationType, d); note != "" {
			d = strings.TrimSpace(d + " " + note)
		}
	}
	if d != "" {
		s["description"] = d
	}
	return s
}

// intBounds is the smallest and largest value of an integer of bits bits.
func intBounds(unsigned bool, bits int) (lo, hi any) {
	if unsigned {
		return uint64(0), uint64(1)<<bits - 1
	}
	return int64(-1) << (bits - 1), int64(uint64(1)<<(bits-1) - 1)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func collectProps(t reflect.Type, path string, props map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			collectProps(ft, path, props)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name) // yaml.v3's default
		}
		props[name] = schemaOf(f.Type, join(path, name))
	}
}

// ConfigProblem is one mistake in a configuration file.
type ConfigProblem struct {
	Line, Column int
	// Path is the dotted key path ("rate_limits.rules[0].rate"), "" for
	// the document.
	Path    string
	Message string
	// Warning marks what is valid but risky (ConfigWarnings).
	Warning bool
}

// Format is the problem as "file:line:column: path: message", the form
// editors and CI annotations understand ("file:line:column: warning:
// path: message" for a warning).
func (p ConfigProblem) Format(file string) string {
	msg := p.Message
	if p.Path != "" {
		msg = p.Path + ": " + msg
	}
	if p.Warning {
		msg = "warning: " + msg
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", file, p.Line, p.Column, msg)
	}
	return file + ": " + msg
}

func (p ConfigProblem) String() string {
	loc := ""
	if p.Line > 0 {
		loc = fmt.Sprintf("line %d:%d: ", p.Line, p.Column)
	}
	if p.Warning {
		loc += "warning: "
	}
	if p.Path != "" {
		return loc + p.Path + ": " + p.Message
	}
	return loc + p.Message
}

// CheckConfigFile checks a configuration file without starting anything:
// YAML syntax, the published JSON Schema (unknown keys, types, enums),
// decoding, and each protection's own validation, with line numbers; and
// returns apart the warnings of ConfigWarnings, which do not make the file
// invalid. Files named in it (keys, CA bundles, the spec) are not read.
func CheckConfigFile(path string) (problems, warnings []ConfigProblem, err error) {
	data, err := readConfigFile(path)
	if err != nil {
		return nil, nil, err
	}
	return ValidateConfig(data), ConfigWarnings(data), nil
}

// ConfigWarnings reports what is valid but risky in a configuration: an
// admin address reachable from beyond this host (see AdminExposure), as
// `rampart protect` logs it at start-up.
func ConfigWarnings(data []byte) []ConfigProblem {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	var out []ConfigProblem
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Value != "admin" || v.Kind != yaml.ScalarNode {
			continue
		}
		if why := AdminExposure(v.Value); why != "" {
			out = append(out, ConfigProblem{Line: v.Line, Column: v.Column, Path: "admin", Message: why + "; " + adminWarning, Warning: true})
		}
	}
	return out
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// ValidateConfig is the validation of CheckConfigFile on the file's bytes.
func ValidateConfig(data []byte) []ConfigProblem {
	ps := validateConfig(data)
	for i := range ps {
		ps[i].Path = shortPath(ps[i].Path)
	}
	return ps
}

// maxPathTokens bounds the key path of a problem: deeply nested values
// (through aliases, or written out down to the parser's depth limit) made
// messages of tens of kilobytes ("a[0][0][0]...").
const maxPathTokens = 12

// pathToken is one step of a key path: ".name", "name" first, or "[3]".
var pathToken = regexp.MustCompile(`\[[0-9]+\]|\.?[^.\[]+`)

// shortPath is path with its middle elided when it is long: the first
// and last steps say where it is.
func shortPath(path string) string {
	toks := pathToken.FindAllString(path, -1)
	if len(toks) > maxPathTokens {
		const keep = 5
		path = strings.Join(toks[:keep], "") + fmt.Sprintf("…(%d more)…", len(toks)-2*keep) + strings.Join(toks[len(toks)-keep:], "")
	}
	// A single long step (a map key) is cut too.
	if r := []rune(path); len(r) > 200 {
		path = string(r[:100]) + "…" + string(r[len(r)-60:])
	}
	return path
}

func validateConfig(data []byte) []ConfigProblem {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return []ConfigProblem{yamlProblem(err.Error())}
	}
	if len(doc.Content) == 0 {
		return nil // an empty file is the default configuration
	}
	w := newNodeWalk()
	lines := w.lines
	inst, err := w.value(doc.Content[0], "")
	if err != nil {
		var pe *problemError
		if errors.As(err, &pe) {
			return []ConfigProblem{pe.p}
		}
		return []ConfigProblem{{Message: err.Error()}}
	}
	var out []ConfigProblem
	if verr := configValidator().Validate(inst); verr != nil {
		var ve *jsonschema.ValidationError
		if errors.As(verr, &ve) {
			p := message.NewPrinter(language.English)
			for _, leaf := range leaves(ve) {
				dp := dotted(leaf.InstanceLocation)
				if ap, ok := leaf.ErrorKind.(*kind.AdditionalProperties); ok {
					// Point at each unknown key, not at its parent.
					for _, k := range ap.Properties {
						pr := ConfigProblem{Path: join(dp, k), Message: "unknown key (see docs/config.md)"}
						if n := lines[join(dp, k)]; n != nil {
							pr.Line, pr.Column = n.Line, n.Column
						}
						out = append(out, pr)
					}
					continue
				}
				pr := ConfigProblem{Path: dp, Message: leaf.ErrorKind.LocalizedString(p)}
				if n := lines[dp]; n != nil {
					pr.Line, pr.Column = n.Line, n.Column
				}
				// Problems the loader would also have: the value cannot
				// be stored. They point at the value, as the loader's own
				// problems do.
				atValue := true
				switch k := leaf.ErrorKind.(type) {
				case *kind.Enum:
					atValue = false
					if dp == "version" {
						pr.Message = fmt.Sprintf("this rampart reads configuration version %d; a file for another version would be misread (see docs/config.md)", ConfigVersion)
					}
				case *kind.Type:
					atValue = (k.Got == "number" || k.Got == "integer") && isDurationSchema(schemaAt(leaf.InstanceLocation))
					if atValue {
						pr.Message = durationHint
					}
				case *kind.Maximum:
					pr.Message = fmt.Sprintf("%s is too large (at most %s)", w.literal(dp, k.Got), k.Want.RatString())
				case *kind.Minimum:
					if _, ok := w.boundedInt(dp); ok {
						// A value the loader can store: boundProblems
						// reports it, with the default to fall back on,
						// and once only when the section's own
						// validation reports it too.
						continue
					}
					pr.Message = fmt.Sprintf("%s is too small (at least %s)", w.literal(dp, k.Got), k.Want.RatString())
				default:
					atValue = false
				}
				if n := w.values[dp]; atValue && n != nil {
					pr.Line, pr.Column = n.Line, n.Column
				}
				out = append(out, pr)
			}
		} else {
			out = append(out, ConfigProblem{Message: verr.Error()})
		}
	}
	bounds := w.boundProblems()
	if len(out) > 0 {
		out = append(out, bounds...)
		sortProblems(out)
		return out
	}
	// The schema passed: decode for real and run the semantic checks.
	var c Config
	if out = w.decode(data, &c); len(out) > 0 {
		return out
	}
	var errs []error
	if err := c.validateProtections(); err != nil {
		errs = append(errs, err)
	}
	cc := c.WithDefaults()
	if cc.Spec == "" {
		cc.Spec = "-"
	}
	if cc.Upstream == "" {
		cc.Upstream = "http://upstream.invalid"
	}
	// Not planConfig: its checkSettings, for configurations that do not
	// come from a file, says less than boundProblems about the nodes.
	if _, err := cc.planSettings(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			if line != "" {
				out = append(out, semanticProblem(line, lines))
			}
		}
	}
	// A section that refuses the value itself has said so.
	said := map[string]bool{}
	for _, p := range out {
		said[p.Path] = true
	}
	for _, p := range bounds {
		if !said[p.Path] {
			out = append(out, p)
		}
	}
	sortProblems(out)
	return out
}

// boundMatcher recognises the key paths of one settingBounds entry.
type boundMatcher struct {
	re       *regexp.Regexp
	duration bool // a duration setting, else an integer
}

// boundMatchers are those of settingBounds, by pattern: a map key ("*")
// is any text, dots included ("GET /a.b"), a list index any number.
var boundMatchers = sync.OnceValue(func() map[string]boundMatcher {
	m := make(map[string]boundMatcher, len(settingBounds))
	for p := range settingBounds {
		re := regexp.QuoteMeta(p)
		re = strings.ReplaceAll(re, `\*`, `.+`)
		re = strings.ReplaceAll(re, `\[\]`, `\[[0-9]+\]`)
		var loc []string
		for _, seg := range strings.Split(p, ".") {
			if name, ok := strings.CutSuffix(seg, "[]"); ok {
				loc = append(loc, name, "0")
			} else {
				loc = append(loc, seg)
			}
		}
		m[p] = boundMatcher{re: regexp.MustCompile("^" + re + "$"), duration: isDurationSchema(schemaAt(loc))}
	}
	return m
})

// boundOf is the bound of the setting at the key path path, and whether
// the setting is a duration.
func boundOf(path string) (b settingBound, duration, ok bool) {
	// The last name decides first: most paths are not bounded settings.
	last := path[strings.LastIndexAny(path, ".]")+1:]
	for p, m := range boundMatchers() {
		if strings.HasSuffix(p, last) && m.re.MatchString(path) {
			return settingBounds[p], m.duration, true
		}
	}
	return settingBound{}, false, false
}

// boundedInt is the integer at path, when path is a bounded integer
// setting and its value fits an int64.
func (w *nodeWalk) boundedInt(path string) (int64, bool) {
	n := w.values[path]
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	if _, duration, ok := boundOf(path); !ok || duration {
		return 0, false
	}
	return intValue(n)
}

// intValue is the integer n holds, exactly: yaml.v3 decodes 2^63 written
// as a float (9.223372036854775807e18) into an int64 as -2^63.
func intValue(n *yaml.Node) (int64, bool) {
	switch n.ShortTag() {
	case "!!int":
		var i int64
		err := n.Decode(&i)
		return i, err == nil
	case "!!float":
		var f float64
		if n.Decode(&f) != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= -math.MinInt64 {
			return 0, false
		}
		return int64(f), true
	}
	return 0, false
}

// boundProblems reports the integer and duration settings whose value
// the firewall would not use as written (see settingBound), each at its
// value. Values of the wrong type or format are left to the schema and
// the decoder.
func (w *nodeWalk) boundProblems() []ConfigProblem {
	var out []ConfigProblem
	for path, n := range w.values {
		if n.Kind != yaml.ScalarNode {
			continue
		}
		b, duration, ok := boundOf(path)
		if !ok {
			continue
		}
		if msg := b.check(n, duration); msg != "" {
			out = append(out, ConfigProblem{Line: n.Line, Column: n.Column, Path: path, Message: msg})
		}
	}
	sortProblems(out)
	return out
}

// check says what is wrong with the value of n, "" if nothing. Values
// of the wrong type or format are left to the schema and the decoder.
func (b settingBound) check(n *yaml.Node, duration bool) string {
	omit := "" // for a 0, which may have been meant as "the default"
	if b.def != "" {
		omit = " (omit the key for the default, " + b.def + ")"
	}
	if duration {
		if n.ShortTag() != "!!str" {
			return ""
		}
		d, err := time.ParseDuration(n.Value)
		if err != nil {
			return ""
		}
		return b.checkDuration(n.Value, d, omit)
	}
	i, ok := intValue(n)
	if !ok || i >= b.min || (i < 0 && b.negChecked) {
		return ""
	}
	if i == 0 {
		return fmt.Sprintf("%s must be at least %d%s", n.Value, b.min, omit)
	}
	return fmt.Sprintf("%s must be at least %d", n.Value, b.min)
}

// checkDuration is check for the duration d, written as lit.
func (b settingBound) checkDuration(lit string, d time.Duration, omit string) string {
	switch {
	case d == 0 && b.zeroOK:
		return ""
	case d == 0 && b.negOK:
		return fmt.Sprintf("%s would read as unset, the default %s: omit the key, or write a negative duration to %s", lit, b.def, b.neg)
	case d == 0:
		return fmt.Sprintf("%s must be positive%s", lit, omit)
	case d < 0 && !b.negOK && !b.negChecked:
		return fmt.Sprintf("%s must be positive", lit)
	}
	return ""
}

// sortProblems orders problems by position; those without one keep their
// order at the start.
func sortProblems(ps []ConfigProblem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Column < ps[j].Column
	})
}

// yamlProblem is a problem from the YAML parser, which names a line only.
func yamlProblem(msg string) ConfigProblem {
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return ConfigProblem{Line: n, Column: 1, Message: m[2]}
	}
	return ConfigProblem{Message: strings.TrimPrefix(msg, "yaml: ")}
}

// decode decodes data into v as the loader does (unknown fields refused)
// and returns the decoder's problems, each placed at the value or key it
// names.
func (w *nodeWalk) decode(data []byte, v any) []ConfigProblem {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []ConfigProblem{yamlProblem(err.Error())}
	}
	used := map[*yaml.Node]bool{}
	out := make([]ConfigProblem, 0, len(te.Errors))
	for _, e := range te.Errors {
		out = append(out, w.decodeProblem(e, used))
	}
	sortProblems(out)
	return out
}

var (
	// yaml.v3's "cannot unmarshal !!int `0` into time.Duration"; values
	// over 10 characters are cut to 7 and "...".
	cannotUnmarshal = regexp.MustCompile("^cannot unmarshal (\\S+?)(?: `(.*)`)? into (.+)$")
	// yaml.v3's problems with a key.
	decoderKey = regexp.MustCompile(`^(?:field (\S+) (?:not found|already set) in type |mapping key "(.*)" already defined)`)
)

// decodeProblem places one of yaml.v3's type errors ("line 3: cannot
// unmarshal ...") at the node it is about, found by its line, tag and
// value; used keeps two identical errors on one line apart.
func (w *nodeWalk) decodeProblem(msg string, used map[*yaml.Node]bool) ConfigProblem {
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return yamlProblem(msg)
	}
	line, _ := strconv.Atoi(m[1])
	pr := ConfigProblem{Line: line, Column: 1, Message: m[2]}
	match := func(ok func(pn placedNode) bool) *placedNode {
		for i, pn := range w.placed {
			if pn.node.Line == line && !used[pn.node] && ok(pn) {
				used[pn.node] = true
				return &w.placed[i]
			}
		}
		return nil
	}
	var at *placedNode
	if u := cannotUnmarshal.FindStringSubmatch(m[2]); u != nil {
		tag, val, into := u[1], u[2], u[3]
		at = match(func(pn placedNode) bool {
			n := pn.node
			if pn.key || n.ShortTag() != tag {
				return false
			}
			if n.Kind != yaml.ScalarNode {
				return true
			}
			if cut, ok := strings.CutSuffix(val, "..."); ok && len(val) == 10 {
				return strings.HasPrefix(n.Value, cut)
			}
			return n.Value == val
		})
		if at != nil {
			pr.Message = unmarshalMessage(at.node, into, m[2])
		}
	} else if k := decoderKey.FindStringSubmatch(m[2]); k != nil {
		name := k[1] + k[2]
		at = match(func(pn placedNode) bool { return pn.key && pn.node.Value == name })
	}
	if at != nil {
		pr.Column, pr.Path = at.node.Column, at.path
		return pr
	}
	// Not found: at least the column where the line's content starts.
	first := 0
	for _, pn := range w.placed {
		if c := pn.node.Column; pn.node.Line == line && (first == 0 || c < first) {
			first = c
		}
	}
	if first > 0 {
		pr.Column = first
	}
	return pr
}

// unmarshalMessage says why the value of n cannot be stored in a Go value
// of the type named into (yaml.v3's type name), or returns msg.
func unmarshalMessage(n *yaml.Node, into, msg string) string {
	numeric := n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float")
	if into == durationType.String() {
		switch {
		case numeric:
			return durationHint
		case n.Kind == yaml.ScalarNode && durationRE.MatchString(n.Value):
			// Well formed, so too long for int64 nanoseconds.
			return fmt.Sprintf("%s is longer than the longest duration, %s", n.Value, time.Duration(math.MaxInt64))
		case n.Kind == yaml.ScalarNode:
			return fmt.Sprintf("%q is not a duration: %s", n.Value, durationHint)
		}
		return msg
	}
	if lo, hi, ok := intTypeRange(into); ok && numeric {
		if strings.HasPrefix(n.Value, "-") {
			return fmt.Sprintf("%s is too small (at least %s)", n.Value, lo)
		}
		return fmt.Sprintf("%s is too large (at most %s)", n.Value, hi)
	}
	return msg
}

var durationRE = regexp.MustCompile(durationPattern)

// intTypes are the Go integer types by the name yaml.v3 gives them in
// its errors.
var intTypes = map[string]reflect.Type{
	"int": reflect.TypeFor[int](), "int8": reflect.TypeFor[int8](), "int16": reflect.TypeFor[int16](),
	"int32": reflect.TypeFor[int32](), "int64": reflect.TypeFor[int64](),
	"uint": reflect.TypeFor[uint](), "uint8": reflect.TypeFor[uint8](), "uint16": reflect.TypeFor[uint16](),
	"uint32": reflect.TypeFor[uint32](), "uint64": reflect.TypeFor[uint64](),
}

// intTypeRange is the range, as text, of the Go integer type named name
// ("int64", "uint8"); ok is false for other types.
func intTypeRange(name string) (lo, hi string, ok bool) {
	t, ok := intTypes[name]
	if !ok {
		return "", "", false
	}
	l, h := intBounds(t.Kind() >= reflect.Uint, t.Bits())
	return fmt.Sprint(l), fmt.Sprint(h), true
}

var leadingPath = regexp.MustCompile(`^([a-z_][a-z0-9_]*(?:\[\d+\])?(?:\s\([^)]*\))?(?:\.[A-Za-z0-9_:\-/ ]+?(?:\[\d+\])?(?:\s\([^)]*\))?)*): (.*)$`)

// semanticProblem places a package's validation message ("rate_limits.
// rules[0] (per-ip).rate: must be at least 1") at the line of the longest
// key path it names.
func semanticProblem(line string, lines map[string]*yaml.Node) ConfigProblem {
	m := leadingPath.FindStringSubmatch(line)
	if m == nil {
		return ConfigProblem{Message: line}
	}
	path := regexp.MustCompile(`\s\([^)]*\)`).ReplaceAllString(m[1], "")
	pr := ConfigProblem{Path: path, Message: m[2]}
	for p := path; p != ""; {
		if n := lines[p]; n != nil {
			pr.Line, pr.Column = n.Line, n.Column
			break
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return pr
}

func dotted(loc []string) string {
	var b strings.Builder
	for _, t := range loc {
		if _, err := strconv.Atoi(t); err == nil {
			b.WriteString("[" + t + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

func leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// maxAliasValues bounds the values that aliases may expand to. A few
// hundred bytes of nested aliases ("billion laughs") expand to tens of
// millions of values; expanding them took a minute and gigabytes, at
// start-up and on every reload. A configuration that reuses a block with
// an alias stays far below it.
const maxAliasValues = 10000

// nodeWalk converts a YAML node tree to the JSON data model the schema
// validator takes, recording the node of every key path.
type nodeWalk struct {
	// lines is the node problems about a key path point at: the key of a
	// mapping value, the item of a list.
	lines map[string]*yaml.Node
	// values is the value of every key path.
	values map[string]*yaml.Node
	// placed is every key and value node once, in document order, with
	// its path, to find the node a decoder error names by its line.
	placed []placedNode
	seen   map[*yaml.Node]bool
	// open is the mappings and sequences being converted, from the root
	// down: an alias to one of them is a cycle ("a: &a [*a]").
	open map[*yaml.Node]bool
	// aliasDepth is how many aliases are being expanded around the
	// current node; aliasValues counts the values produced inside them.
	aliasDepth, aliasValues int
}

type placedNode struct {
	node *yaml.Node
	path string
	key  bool
}

func newNodeWalk() *nodeWalk {
	return &nodeWalk{lines: map[string]*yaml.Node{}, values: map[string]*yaml.Node{}, seen: map[*yaml.Node]bool{}, open: map[*yaml.Node]bool{}}
}

// problemError is a problem found while walking the tree.
type problemError struct{ p ConfigProblem }

func (e *problemError) Error() string { return e.p.String() }

// problemAt is a problem at node n, about the key path path.
func problemAt(n *yaml.Node, path, format string, args ...any) error {
	return &problemError{ConfigProblem{Line: n.Line, Column: n.Column, Path: path, Message: fmt.Sprintf(format, args...)}}
}

func (w *nodeWalk) place(n *yaml.Node, path string, key bool) {
	if !w.seen[n] {
		w.seen[n] = true
		w.placed = append(w.placed, placedNode{node: n, path: path, key: key})
	}
}

// literal is the number at path as written ("1e30"), or got.
func (w *nodeWalk) literal(path string, got *big.Rat) string {
	if n := w.values[path]; n != nil && n.Kind == yaml.ScalarNode {
		return n.Value
	}
	return got.RatString()
}

// value converts n. For a mapping value the key's node is recorded, so
// problems point at the key.
func (w *nodeWalk) value(n *yaml.Node, path string) (any, error) {
	lines := w.lines
	if _, ok := lines[path]; !ok {
		lines[path] = n
	}
	if w.aliasDepth > 0 {
		w.aliasValues++
		if w.aliasValues > maxAliasValues {
			return nil, problemAt(n, path, "aliases expand to more than %d values", maxAliasValues)
		}
	}
	if n.Kind != yaml.AliasNode {
		if _, ok := w.values[path]; !ok {
			w.values[path] = n
		}
		w.place(n, path, false)
	}
	switch n.Kind {
	case yaml.AliasNode:
		if w.open[n.Alias] {
			// Expanded, it would never end: say so, rather than count
			// values down a path of thousands of [0].
			return nil, problemAt(n, path, "alias *%s is inside the node it names (&%s): a cycle", n.Value, n.Value)
		}
		w.aliasDepth++
		v, err := w.value(n.Alias, path)
		w.aliasDepth--
		return v, err
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return w.value(n.Content[0], path)
	case yaml.MappingNode:
		w.open[n] = true
		defer delete(w.open, n)
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, problemAt(k, path, "a key must be a plain string")
			}
			if k.Tag == "!!merge" {
				return nil, problemAt(k, path, "merge keys (<<) are not supported")
			}
			p := join(path, k.Value)
			if _, dup := m[k.Value]; dup {
				return nil, problemAt(k, p, "repeated key (first at line %d)", lines[p].Line)
			}
			lines[p] = k
			w.place(k, p, true)
			val, err := w.value(v, p)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		w.open[n] = true
		defer delete(w.open, n)
		a := make([]any, 0, len(n.Content))
		for i, e := range n.Content {
			val, err := w.value(e, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			a = append(a, val)
		}
		return a, nil
	}
	// Scalars: decode by the resolved tag, as the loader will.
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, problemAt(n, path, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		return b, nil
	case "!!int":
		// Exactly: through a float64, 2^63-1 would become 2^63 and fail
		// the maximum of an int64.
		var i int64
		if n.Decode(&i) == nil {
			return json.Number(strconv.FormatInt(i, 10)), nil
		}
		var u uint64
		if n.Decode(&u) == nil {
			return json.Number(strconv.FormatUint(u, 10)), nil
		}
		fallthrough
	case "!!float":
		// As the loader reads it, a float64 ("1e3" is 1000).
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, problemAt(n, path, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), nil
	}
	return n.Value, nil
}

// configValidator compiles the published schema once.
var configValidator = sync.OnceValue(func() *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(ConfigSchema()))
	if err != nil {
		panic("config schema: " + err.Error()) // generated from code: a bug, caught by tests
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		panic("config schema: " + err.Error())
	}
	sch, err := c.Compile(SchemaID)
	if err != nil {
		panic("config schema: " + err.Error())
	}
	return sch
})

// configSchemaDoc is the published schema as JSON values, to look up the
// schema of a problem's location.
var configSchemaDoc = sync.OnceValue(func() map[string]any {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(ConfigSchema()))
	dec.UseNumber() // exact bounds
	if err := dec.Decode(&m); err != nil {
		panic("config schema: " + err.Error()) // generated from code: a bug, caught by tests
	}
	return m
})

// schemaAt is the schema of the value at the instance location loc, nil
// if the schema has none.
func schemaAt(loc []string) map[string]any {
	s := configSchemaDoc()
	for _, tok := range loc {
		if props, ok := s["properties"].(map[string]any); ok {
			if p, ok := props[tok].(map[string]any); ok {
				s = p
				continue
			}
		}
		if ap, ok := s["additionalProperties"].(map[string]any); ok {
			s = ap
			continue
		}
		if it, ok := s["items"].(map[string]any); ok {
			s = it
			continue
		}
		return nil
	}
	return s
}

func isDurationSchema(s map[string]any) bool {
	return s != nil && s["pattern"] == durationPattern
}

// ConfigReference renders the configuration reference (docs/config.md)
// from the published JSON Schema, so the two cannot disagree.
func ConfigReference(schemaJSON []byte) (string, error) {
	var root map[string]any
	if err := json.Unmarshal(schemaJSON, &root); err != nil {
		return "", fmt.Errorf("reading the schema: %w", err)
	}
	var b strings.Builder
	b.WriteString("# Configuration reference\n\n")
	b.WriteString("<!-- Generated from docs/config.schema.json by `rampart config schema --markdown`; do not edit. -->\n\n")
	if d, ok := root["description"].(string); ok {
		b.WriteString(d + "\n\n")
	}
	b.WriteString("Every key of the `rampart protect --config` file. Unknown keys are errors. ")
	b.WriteString("Durations are Go durations with their unit (`250ms`, `1m30s`, `0s`); a bare number such as `0` or `10` is refused. `x.*` stands for any map key, `x[]` for list items. ")
	b.WriteString("Check a file with `rampart config validate FILE`; the JSON Schema is `docs/config.schema.json` (`rampart config schema`). ")
	b.WriteString("The protections are described in [protect.md](protect.md).\n\n")
	b.WriteString("| Key | Type | Description |\n|---|---|---|\n")
	var walk func(s map[string]any, path string)
	walk = func(s map[string]any, path string) {
		if path != "" {
			desc, _ := s["description"].(string)
			if e, ok := s["enum"].([]any); ok {
				var vs []string
				for _, v := range e {
					vs = append(vs, fmt.Sprintf("`%v`", v))
				}
				if desc != "" {
					desc += " "
				}
				desc += "One of " + strings.Join(vs, ", ") + "."
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", path, typeName(s), strings.ReplaceAll(desc, "|", "\\|"))
		}
		if props, ok := s["properties"].(map[string]any); ok {
			for _, k := range sortedKeys(props) {
				walk(props[k].(map[string]any), join(path, k))
			}
		}
		if ap, ok := s["additionalProperties"].(map[string]any); ok {
			walk(ap, join(path, "*"))
		}
		if it, ok := s["items"].(map[string]any); ok {
			if _, obj := it["properties"]; obj {
				walk(it, path+"[]")
			}
		}
	}
	walk(root, "")
	return b.String(), nil
}

func typeName(s map[string]any) string {
	var ts []string
	switch t := s["type"].(type) {
	case string:
		ts = []string{t}
	case []any:
		for _, x := range t {
			if x != "null" {
				ts = append(ts, fmt.Sprint(x))
			}
		}
	}
	if isDurationSchema(s) {
		return "duration"
	}
	if len(ts) == 1 && ts[0] == "array" {
		if it, ok := s["items"].(map[string]any); ok {
			return "list of " + typeName(it)
		}
	}
	if len(ts) == 1 && ts[0] == "object" {
		if _, ok := s["additionalProperties"].(map[string]any); ok {
			return "map"
		}
	}
	return strings.Join(ts, " or ")
}
