package objects

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// fingerprint is oslo's ObjectVersionChecker fingerprint: "X.Y-<hash>", the
// hash covering every field's name, type, nullability, default, whether it
// is required and the version it was added in. Anything that changes what
// goes over the wire changes the hash; TestObjectFingerprints then insists
// the version moves too. Nested objects are named, not hashed: with version
// manifests a child's bump needs no parent bump (unlike oslo's older
// obj_relationships).
func (s *schema) fingerprint() string {
	lines := make([]string, len(s.fields))
	for i, f := range s.fields {
		def := "-"
		if f.hasDefault {
			def = f.defaultText
		}
		lines[i] = fmt.Sprintf("%s %s nullable=%t required=%t default=%s added=%s",
			f.name, f.codec.name, f.nullable, f.required, def, f.added)
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return s.version.String() + "-" + hex.EncodeToString(sum[:16])
}

// Fingerprints returns the fingerprint of every registered object.
func Fingerprints() map[string]string {
	out := make(map[string]string, len(schemasByName))
	for name, s := range schemasByName {
		out[name] = s.fingerprint()
	}
	return out
}
