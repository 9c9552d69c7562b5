package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// actionFile is the GitHub Action's definition, as far as these tests read it.
type actionFile struct {
	Inputs map[string]struct {
		Default *string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Steps []struct {
			ID  string            `yaml:"id"`
			Run string            `yaml:"run"`
			Env map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// The action forces no policy of its own: an input left out must leave
// the repository's .rampart.yaml in charge. Its defaults (profile default,
// min-score 0, fail-on high) were passed as flags on every run, and flags
// win over the configuration, so a financial-rw / min-score 90 / fail-on
// medium policy was silently weakened.
func TestActionForcesNoPolicy(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	for _, in := range []string{"profile", "min-score", "fail-on", "config"} {
		def, ok := a.Inputs[in]
		if !ok {
			t.Errorf("action.yml has no %s input", in)
			continue
		}
		if def.Default != nil && *def.Default != "" {
			t.Errorf("input %s defaults to %q: passed as a flag, it overrides the configuration", in, *def.Default)
		}
	}
	found := false
	for _, s := range a.Runs.Steps {
		if s.ID != "audit" {
			continue
		}
		found = true
		if !strings.Contains(s.Run, "scripts/action-audit.sh") {
			t.Errorf("the audit step does not run scripts/action-audit.sh (the tested script):\n%s", s.Run)
		}
		for env, input := range map[string]string{"SPEC": "spec", "PROFILE": "profile", "MIN_SCORE": "min-score", "FAIL_ON": "fail-on", "CONFIG": "config"} {
			if want := "${{ inputs." + input + " }}"; s.Env[env] != want {
				t.Errorf("audit step env %s = %q, want %q", env, s.Env[env], want)
			}
		}
	}
	if !found {
		t.Fatal("action.yml has no step with id audit")
	}
}

// runActionAudit runs scripts/action-audit.sh in a fresh directory (with
// the given files) with a fake rampart on PATH, and returns the argument
// lists of each rampart run and the step's outputs.
func runActionAudit(t *testing.T, env map[string]string, files ...string) (runs [][]string, outputs string) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "action-audit.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("the action's audit script: %v", err)
	}
	dir, bin := t.TempDir(), t.TempDir()
	for _, f := range files {
		writeFile(t, dir, f, []byte("audit:\n  min-score: 90\n"))
	}
	log := filepath.Join(bin, "calls")
	// One line per run, arguments separated by tabs; exit 1 as a failed
	// threshold would.
	fake := "#!/bin/sh\n(IFS='\t'; printf '%s\\n' \"$*\") >> '" + log + "'\nexit 1\n"
	writeFile(t, bin, "rampart", []byte(fake))
	if err := os.Chmod(filepath.Join(bin, "rampart"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(bin, "outputs")
	cmd := exec.Command(bash, script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "GITHUB_OUTPUT=" + out, "SPEC=api.yaml"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("action-audit.sh: %v\n%s", err, b)
	}
	calls, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(calls)), "\n") {
		runs = append(runs, strings.Split(line, "\t"))
	}
	o, _ := os.ReadFile(out)
	return runs, string(o)
}

// flagValue returns the value following flag in args, and whether it is there.
func flagValue(args []string, flag string) (string, bool) {
	i := slices.Index(args, flag)
	if i < 0 || i+1 >= len(args) {
		return "", false
	}
	return args[i+1], true
}

func TestActionAuditScript(t *testing.T) {
	cases := []struct {
		name  string
		env   map[string]string
		files []string
		want  map[string]string // flag -> value; "" absent
	}{
		{"repository configuration governs", nil, []string{".rampart.yaml"},
			map[string]string{"--config": ".rampart.yaml", "--profile": "", "--min-score": "", "--fail-on": ""}},
		{"no configuration: fail on high", nil, nil,
			map[string]string{"--config": "", "--profile": "", "--min-score": "", "--fail-on": "high"}},
		{"explicit configuration", map[string]string{"CONFIG": "policy.yaml"}, []string{"policy.yaml", ".rampart.yaml"},
			map[string]string{"--config": "policy.yaml", "--profile": "", "--min-score": "", "--fail-on": ""}},
		{"inputs set win", map[string]string{"PROFILE": "financial-rw", "MIN_SCORE": "90", "FAIL_ON": "medium"}, []string{".rampart.yaml"},
			map[string]string{"--config": ".rampart.yaml", "--profile": "financial-rw", "--min-score": "90", "--fail-on": "medium"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runs, outputs := runActionAudit(t, tc.env, tc.files...)
			if len(runs) != 2 {
				t.Fatalf("%d rampart runs, want 2 (SARIF and the log's text): %q", len(runs), runs)
			}
			for i, args := range runs {
				if len(args) < 2 || args[0] != "audit" || args[1] != "api.yaml" {
					t.Errorf("run %d: %q", i, args)
				}
				for flag, want := range tc.want {
					got, ok := flagValue(args, flag)
					if want == "" && ok {
						t.Errorf("run %d passes %s %s, which would override the configuration: %q", i, flag, got, args)
					}
					if want != "" && got != want {
						t.Errorf("run %d: %s %q, want %q: %q", i, flag, got, want, args)
					}
				}
			}
			if f, _ := flagValue(runs[0], "--format"); f != "sarif" {
				t.Errorf("first run is not the SARIF one: %q", runs[0])
			}
			if !strings.Contains(outputs, "code=1\n") || !strings.Contains(outputs, "sarif=rampart-audit.sarif\n") {
				t.Errorf("step outputs %q", outputs)
			}
		})
	}
}
