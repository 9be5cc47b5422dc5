// Package krew holds the krew plugin manifest of kubectl-nova (nova.yaml, a
// template) and the script a release fills it in with (release.sh); this
// test checks both.
package krew

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// manifest is the part of krew's Plugin (v1alpha2) that krew requires.
type manifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string `json:"version"`
		Homepage         string `json:"homepage"`
		ShortDescription string `json:"shortDescription"`
		Description      string `json:"description"`
		Platforms        []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			SHA256 string `json:"sha256"`
			Bin    string `json:"bin"`
		} `json:"platforms"`
	} `json:"spec"`
}

var platforms = []string{"linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64"}

func load(t *testing.T, path string) manifest {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.UnmarshalStrict(b, &m); err != nil {
		// Strict: a misspelt field (krew would ignore it) fails here.
		// Adding one of krew's optional fields means adding it above.
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// check verifies what krew requires of a manifest, with version and sum
// giving what the version and each platform's sha256 must be.
func check(t *testing.T, m manifest, version string, sum func(platform string) string) {
	t.Helper()
	if m.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || m.Kind != "Plugin" {
		t.Errorf("apiVersion %q kind %q", m.APIVersion, m.Kind)
	}
	// The plugin name is what users type after kubectl; the binary must be
	// kubectl-<name> for kubectl to find it.
	if m.Metadata.Name != "nova" {
		t.Errorf("metadata.name %q, want nova", m.Metadata.Name)
	}
	if m.Spec.Version != version {
		t.Errorf("spec.version %q, want %q", m.Spec.Version, version)
	}
	if !strings.HasPrefix(m.Spec.Homepage, "https://") || m.Spec.ShortDescription == "" || m.Spec.Description == "" {
		t.Errorf("homepage %q, shortDescription %q, description %q: all required", m.Spec.Homepage, m.Spec.ShortDescription, m.Spec.Description)
	}
	seen := map[string]bool{}
	for i, p := range m.Spec.Platforms {
		labels := p.Selector.MatchLabels
		plat := labels["os"] + "_" + labels["arch"]
		if len(labels) != 2 || seen[plat] {
			t.Errorf("platform %d: selector %v (each os/arch once)", i, labels)
		}
		seen[plat] = true
		wantURI := fmt.Sprintf("https://github.com/novanats/novanats/releases/download/%s/kubectl-nova_%s.tar.gz", version, plat)
		if p.URI != wantURI {
			t.Errorf("%s: uri %q, want %q", plat, p.URI, wantURI)
		}
		if p.SHA256 != sum(plat) {
			t.Errorf("%s: sha256 %q, want %q", plat, p.SHA256, sum(plat))
		}
		if p.Bin != "kubectl-nova" {
			t.Errorf("%s: bin %q, want kubectl-nova", plat, p.Bin)
		}
	}
	for _, plat := range platforms {
		if !seen[plat] {
			t.Errorf("no platform %s", plat)
		}
	}
	if len(m.Spec.Platforms) != len(platforms) {
		t.Errorf("%d platforms, want %d", len(m.Spec.Platforms), len(platforms))
	}
}

// TestTemplate: nova.yaml has every field krew requires, with placeholders
// exactly where release.sh fills them in.
func TestTemplate(t *testing.T) {
	check(t, load(t, "nova.yaml"), "@VERSION@", func(p string) string { return "@SHA256_" + p + "@" })
}

// TestRelease: release.sh (without building: archives made up here) fills
// in the version and each archive's sha256, and leaves no placeholder; a
// version krew would not accept is a usage error.
func TestRelease(t *testing.T) {
	dir := t.TempDir()
	sums := map[string]string{}
	for _, p := range platforms {
		data := []byte("archive of " + p)
		if err := os.WriteFile(filepath.Join(dir, "kubectl-nova_"+p+".tar.gz"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(data)
		sums[p] = hex.EncodeToString(s[:])
	}
	cmd := exec.Command("./release.sh", "v1.2.3", dir)
	cmd.Env = append(os.Environ(), "RELEASE_SKIP_BUILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("release.sh: %v\n%s", err, out)
	}
	rendered := filepath.Join(dir, "nova.yaml")
	b, err := os.ReadFile(rendered)
	if err != nil {
		t.Fatal(err)
	}
	if left := regexp.MustCompile(`@[A-Za-z0-9_]+@`).FindAll(b, -1); len(left) > 0 {
		t.Errorf("placeholders left: %s", left)
	}
	check(t, load(t, rendered), "v1.2.3", func(p string) string { return sums[p] })

	cmd = exec.Command("./release.sh", "1.2", dir)
	cmd.Env = append(os.Environ(), "RELEASE_SKIP_BUILD=1")
	out, err = cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "want vMAJOR.MINOR.PATCH") {
		t.Errorf("release.sh 1.2: %v\n%s", err, out)
	}
}
