package spec

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestValidateEngineFailure: a number the engine cannot hold in its exact
// arithmetic makes it panic on a numeric keyword; Validate and
// ValidateBounded return an EngineFailure instead, and ordinary values
// keep their verdicts.
func TestValidateEngineFailure(t *testing.T) {
	d := loadString(t, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    N: {type: number, maximum: 10}\n", Options{})
	sch, err := d.Compile(component(t, d, "N"), RequestView)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		value   json.Number
		valid   bool
		failure bool
	}{
		{"5", true, false},
		{"11", false, false},
		{"1e10000000", false, true},
	}
	for _, c := range cases {
		for name, check := range map[string]func() error{
			"Validate":        func() error { return Validate(sch, c.value) },
			"ValidateBounded": func() error { return d.ValidateBounded(sch, RequestView, c.value) },
		} {
			err := check()
			var ef *EngineFailure
			if (err == nil) != c.valid || errors.As(err, &ef) != c.failure {
				t.Errorf("%s(%s) = %v; want valid %v, engine failure %v", name, c.value, err, c.valid, c.failure)
			}
		}
	}
}

// TestLoadAndCompileNumbersBeyondTheEngine: a schema keyword holding a
// number beyond the engine's exact arithmetic made the loader's structure
// check and the compiler panic, taking every command down. The definition
// loads, and compiling that schema is an error naming the engine.
func TestLoadAndCompileNumbersBeyondTheEngine(t *testing.T) {
	d := loadString(t, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    M: {type: number, multipleOf: 1e-10000000}\n    Ok: {type: number, maximum: 10}\n", Options{})
	if _, err := d.Compile(component(t, d, "M"), RequestView); !IsEngineFailure(err) {
		t.Errorf("compile M: %v, want an engine failure", err)
	}
	if _, err := d.Compile(component(t, d, "Ok"), RequestView); err != nil {
		t.Errorf("compile Ok: %v", err)
	}
}
