package objects

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is an object's "major.minor" version. Minor bumps are additive and
// backward compatible; a major bump is not, and the two sides must agree on it.
type Version struct{ Major, Minor int }

// ParseVersion parses "X.Y" (decimal digits only).
func ParseVersion(s string) (Version, error) {
	maj, min, ok := strings.Cut(s, ".")
	if ok {
		a, okA := versionPart(maj)
		b, okB := versionPart(min)
		if okA && okB {
			return Version{a, b}, nil
		}
	}
	return Version{}, fmt.Errorf("objects: version %q is not of the form X.Y", s)
}

// versionPart accepts plain digits only: Atoi alone would let "+1" or "-0"
// through, and two spellings of one version would defeat version checks.
func versionPart(s string) (int, bool) {
	if s == "" || len(s) > 6 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func mustVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

func (v Version) String() string { return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor) }

// Less reports whether v is older than o.
func (v Version) Less(o Version) bool {
	if v.Major != o.Major {
		return v.Major < o.Major
	}
	return v.Minor < o.Minor
}
