package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// RampartExtensions are the x-rampart-* extensions rampart reads: policy
// written in the contract (docs/protect.md) and the audit's suppressions.
// An engine that reads a new one adds it here, so that a misspelt name is
// reported rather than silently dropping the protection it asked for.
var RampartExtensions = []string{
	"x-rampart-blacklist",
	"x-rampart-blacklist-tier",
	"x-rampart-ignore",
	"x-rampart-ip-rules",
	"x-rampart-mode",
	"x-rampart-mtls",
	"x-rampart-rate-limit",
	"x-rampart-response-mode",
	"x-rampart-signed",
}

// schemaNames are the maps whose keys name schemas or properties: a key
// there is a name, never an extension.
var schemaNames = map[string]bool{"properties": true, "patternProperties": true, "$defs": true,
	"definitions": true, "dependentSchemas": true, "schemas": true}

// UnknownRampartExtensions lists, as warnings, the x-rampart-* keys of the
// definition's files that no engine reads (a misspelt x-rampart-mod),
// each with the extension it most likely stands for: the protection its
// author asked for is not applied. Data (examples, defaults, enums) and the
// values of extensions are not looked into, nor the names of properties
// and schemas.
func (d *Document) UnknownRampartExtensions() []Problem {
	var out []Problem
	for _, key := range d.FileKeys() {
		var toks []string
		var walk func(v any, names bool)
		walk = func(v any, names bool) {
			switch x := v.(type) {
			case map[string]any:
				for _, k := range slices.Sorted(maps.Keys(x)) {
					if !names && isValueKeyword(k) {
						continue
					}
					if strings.HasPrefix(k, "x-") {
						if !names && strings.HasPrefix(strings.ToLower(k), "x-rampart") && !slices.Contains(RampartExtensions, k) {
							at := NodeRef{File: key, Pointer: JoinPointer("", append(toks, k)...)}
							out = append(out, Problem{Code: "rampart-extension-unknown", Loc: d.files.locate(at), Message: unknownExtensionMessage(k)})
						}
						if !names {
							continue // an extension's value is its own
						}
					}
					toks = append(toks, k)
					walk(x[k], !names && schemaNames[k])
					toks = toks[:len(toks)-1]
				}
			case []any:
				for i, c := range x {
					toks = append(toks, itoa(i))
					walk(c, false)
					toks = toks[:len(toks)-1]
				}
			}
		}
		walk(d.FileTree(key), false)
	}
	return out
}

// unknownExtensionMessage says that k is read by nothing, and which
// extension it most likely stands for.
func unknownExtensionMessage(k string) string {
	msg := fmt.Sprintf("%s is not an extension rampart reads, so it applies nothing", k)
	if best := NearestName(k, RampartExtensions); best != "" {
		return msg + ": did you mean " + best + "?"
	}
	return msg + " (known: " + strings.Join(RampartExtensions, ", ") + ")"
}
