package objects

import (
	"bufio"
	"flag"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/fingerprints.golden from the current schemas")

const goldenPath = "testdata/fingerprints.golden"

// fingerprintProblems compares recorded fingerprints with current ones and
// says, per object, what the developer has to do. It is oslo's
// ObjectVersionChecker.test_hashes, with the advice spelled out.
func fingerprintProblems(golden, current map[string]string) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(current)) {
		now := current[name]
		was, known := golden[name]
		nowVer, _, _ := strings.Cut(now, "-")
		wasVer, _, _ := strings.Cut(was, "-")
		switch {
		case !known:
			out = append(out, fmt.Sprintf("%s: new object with fingerprint %s; record it with `go test ./pkg/objects -update`", name, now))
		case now == was:
		case nowVer == wasVer:
			out = append(out, fmt.Sprintf("%s: its fields changed but its version is still %s (recorded %s, now %s). "+
				"Bump the version in its register call and add a history line; give new fields added=<new version> "+
				"so backports drop them for older receivers; a change that is not a plain addition also needs a backport rule in its spec. "+
				"Then update the golden with `go test ./pkg/objects -update`.", name, nowVer, was, now))
		default:
			out = append(out, fmt.Sprintf("%s: version moved from %s to %s (now %s); if that is intended, update the golden with `go test ./pkg/objects -update`",
				name, wasVer, nowVer, now))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(golden)) {
		if _, ok := current[name]; !ok {
			out = append(out, fmt.Sprintf("%s: recorded in %s but no longer registered; older services may still send it. If it is really gone, `go test ./pkg/objects -update`", name, goldenPath))
		}
	}
	return out
}

func readGolden(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(goldenPath)
	if err != nil {
		t.Fatalf("%v (create it with `go test ./pkg/objects -update`)", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, fp, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("%s: bad line %q", goldenPath, line)
		}
		out[name] = strings.TrimSpace(fp)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func writeGolden(t *testing.T, fps map[string]string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("# Object fingerprints: <name> <version>-<hash of the field schema>.\n")
	b.WriteString("# Regenerate with `go test ./pkg/objects -update` after bumping a version.\n")
	for _, name := range slices.Sorted(maps.Keys(fps)) {
		fmt.Fprintf(&b, "%s %s\n", name, fps[name])
	}
	if err := os.WriteFile(goldenPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestObjectFingerprints(t *testing.T) {
	current := Fingerprints()
	if *update {
		writeGolden(t, current)
		t.Logf("wrote %s", goldenPath)
		return
	}
	for _, p := range fingerprintProblems(readGolden(t), current) {
		t.Error(p)
	}
}

// withExtraField returns a copy of a registered schema with one more field,
// as a developer adding a field would produce.
func withExtraField(name, version string) *schema {
	s := *schemasByName[name]
	s.version = mustVersion(version)
	c, _ := codecFor(reflect.TypeFor[string](), fieldOpts{})
	s.fields = append(slices.Clone(s.fields), &fieldSchema{name: "extra", codec: c, nullable: true, added: s.version})
	return &s
}

// The checker catches a schema change without a version bump and says what
// to do; with the bump it only asks for the golden to be updated.
func TestFingerprintCheckerCatchesUnbumpedChange(t *testing.T) {
	golden := readGolden(t)
	current := Fingerprints()

	current["Instance"] = withExtraField("Instance", "1.2").fingerprint()
	problems := fingerprintProblems(golden, current)
	if len(problems) != 1 {
		t.Fatalf("problems = %q, want exactly one", problems)
	}
	for _, want := range []string{"Instance", "still 1.2", "Bump the version", "added=", "backport rule", "go test ./pkg/objects -update"} {
		if !strings.Contains(problems[0], want) {
			t.Errorf("message %q does not say %q", problems[0], want)
		}
	}

	current["Instance"] = withExtraField("Instance", "1.3").fingerprint()
	problems = fingerprintProblems(golden, current)
	if len(problems) != 1 || !strings.Contains(problems[0], "1.2 to 1.3") || !strings.Contains(problems[0], "-update") {
		t.Errorf("after bump: %q", problems)
	}

	// Anything in the field's definition moves the hash, not just names.
	base := schemasByName["Destination"].fingerprint()
	s := *schemasByName["Destination"]
	s.fields = slices.Clone(s.fields)
	f := *s.fields[1]
	f.nullable = false
	s.fields[1] = &f
	if s.fingerprint() == base {
		t.Error("changing nullability did not change the fingerprint")
	}
	f.nullable, f.added = true, Version{1, 1}
	if s.fingerprint() == base {
		t.Error("changing added-in did not change the fingerprint")
	}
}

func TestFingerprintCheckerNewAndRemovedObjects(t *testing.T) {
	problems := fingerprintProblems(map[string]string{"Gone": "1.0-x"}, map[string]string{"New": "1.0-y"})
	if len(problems) != 2 || !strings.Contains(problems[0], "New: new object") || !strings.Contains(problems[1], "Gone: recorded") {
		t.Errorf("problems = %q", problems)
	}
}
