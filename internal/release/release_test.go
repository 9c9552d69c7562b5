package release

import (
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const root = "../.."

func readRoot(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDockerfileBuildsStaticBinary runs the Dockerfile's build step (the
// same script) and checks the result is a static, runnable binary.
func TestDockerfileBuildsStaticBinary(t *testing.T) {
	df := string(readRoot(t, "Dockerfile"))
	if !strings.Contains(df, "sh scripts/build.sh /out/rampart") {
		t.Fatal("Dockerfile no longer builds with scripts/build.sh; update this test with it")
	}
	if !strings.Contains(df, "USER 65532:65532") || !strings.Contains(df, "distroless/static") {
		t.Error("runtime image must be a static distroless image running as non-root")
	}
	if strings.Count(df, "FROM ") < 2 {
		t.Error("Dockerfile must be multi-stage")
	}
	if runtime.GOOS != "linux" {
		t.Skip("static ELF check runs on linux")
	}
	out := filepath.Join(t.TempDir(), "rampart")
	cmd := exec.Command("sh", "scripts/build.sh", out, "9.9.9-test")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "COMMIT=abc1234")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("binary has a dynamic loader (PT_INTERP): not static")
		}
	}
	v, err := exec.Command(out, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(v), "rampart 9.9.9-test") || !strings.Contains(string(v), "abc1234") {
		t.Fatalf("version output %q lacks the injected version and commit", v)
	}
}

func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(readRoot(t, path)))
	var out []map[string]any
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if m != nil {
			out = append(out, m)
		}
	}
}

func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func TestKubernetesManifests(t *testing.T) {
	var deploy, policy, cm, svc map[string]any
	files, _ := filepath.Glob(filepath.Join(root, "deploy", "kubernetes", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no manifests")
	}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		for _, d := range yamlDocs(t, rel) {
			switch d["kind"] {
			case "Deployment":
				deploy = d
			case "NetworkPolicy":
				policy = d
			case "ConfigMap":
				cm = d
			case "Service":
				svc = d
			}
		}
	}
	if deploy == nil || policy == nil || cm == nil || svc == nil {
		t.Fatal("need a Deployment, NetworkPolicy, ConfigMap and Service")
	}
	pod := dig(deploy, "spec", "template")
	ann, _ := dig(pod, "metadata", "annotations").(map[string]any)
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] != "9901" || ann["prometheus.io/path"] != "/metrics" {
		t.Errorf("prometheus annotations = %v", ann)
	}
	var sidecar map[string]any
	for _, c := range dig(pod, "spec", "containers").([]any) {
		if m := c.(map[string]any); m["name"] == "rampart" {
			sidecar = m
		}
	}
	if sidecar == nil {
		t.Fatal("no rampart sidecar container")
	}
	args := strings.Join(toStrings(sidecar["args"]), " ")
	for _, want := range []string{"protect", "--spec=/etc/rampart/openapi.yaml", "--upstream=http://127.0.0.1:", "--admin=$(POD_IP):9901"} {
		if !strings.Contains(args, want) {
			t.Errorf("sidecar args %q lack %q", args, want)
		}
	}
	if dig(sidecar, "env", 0, "valueFrom", "fieldRef", "fieldPath") != "status.podIP" {
		t.Error("POD_IP must come from status.podIP (the admin listener binds to the pod address)")
	}
	if dig(sidecar, "readinessProbe", "httpGet", "path") != "/readyz" || dig(sidecar, "livenessProbe", "httpGet", "path") != "/healthz" {
		t.Error("probes must use the admin /readyz and /healthz")
	}
	if dig(sidecar, "securityContext", "readOnlyRootFilesystem") != true || dig(sidecar, "securityContext", "allowPrivilegeEscalation") != false {
		t.Error("sidecar must run read-only without privilege escalation")
	}
	// The spec comes from the ConfigMap, mounted where --spec points.
	cmName := dig(cm, "metadata", "name")
	found := false
	for _, v := range dig(pod, "spec", "volumes").([]any) {
		if dig(v, "configMap", "name") == cmName {
			found = true
		}
	}
	if !found || dig(cm, "data", "openapi.yaml") == nil {
		t.Error("the contract must be mounted from the ConfigMap's openapi.yaml")
	}
	// The admin port is reachable only from the monitoring namespace.
	adminRestricted := false
	for _, rule := range dig(policy, "spec", "ingress").([]any) {
		if dig(rule, "ports", 0, "port") == 9901 {
			if dig(rule, "from", 0, "namespaceSelector") == nil {
				t.Error("admin port ingress must be restricted by a namespace selector")
			}
			adminRestricted = true
		}
	}
	if !adminRestricted {
		t.Error("NetworkPolicy does not restrict the admin port")
	}
	for _, p := range dig(svc, "spec", "ports").([]any) {
		if dig(p, "targetPort") == "admin" || dig(p, "targetPort") == 9901 {
			t.Error("the Service must not publish the admin port")
		}
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestGitHubAction(t *testing.T) {
	docs := yamlDocs(t, "action.yml")
	a := docs[0]
	for _, in := range []string{"spec", "profile", "min-score", "fail-on", "scan-target"} {
		if dig(a, "inputs", in) == nil {
			t.Errorf("action input %q missing", in)
		}
	}
	uploads := 0
	for _, s := range dig(a, "runs", "steps").([]any) {
		if u, _ := dig(s, "uses").(string); strings.HasPrefix(u, "github/codeql-action/upload-sarif") {
			uploads++
		}
		if r, _ := dig(s, "run").(string); strings.Contains(r, "${{ inputs.spec }}") {
			t.Error("inputs must reach scripts through env, not be interpolated into shell (injection)")
		}
	}
	if uploads == 0 {
		t.Error("action does not upload SARIF")
	}
}
