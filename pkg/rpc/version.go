package rpc

import (
	"fmt"
	"strconv"
	"strings"
)

// APIVersion is an "X.Y" RPC API version.
type APIVersion struct{ Major, Minor int }

// ParseVersion parses "X.Y" (or "X", meaning "X.0").
func ParseVersion(s string) (APIVersion, error) {
	major, minor, found := strings.Cut(s, ".")
	ma, err1 := strconv.Atoi(major)
	mi := 0
	var err2 error
	if found {
		mi, err2 = strconv.Atoi(minor)
	}
	if err1 != nil || err2 != nil || ma < 0 || mi < 0 {
		return APIVersion{}, fmt.Errorf("rpc: version %q is not of the form X.Y", s)
	}
	return APIVersion{ma, mi}, nil
}

func (v APIVersion) String() string { return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor) }

// compatible says whether a server at v can serve a request at req: same
// major, and the request's minor not higher (oslo's version_is_compatible).
func (v APIVersion) compatible(req APIVersion) bool {
	return v.Major == req.Major && req.Minor <= v.Minor
}
