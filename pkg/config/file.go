package config

import (
	"os"
)

// applyFile reads a nova.conf-style file. Unknown sections and options are
// errors at their line; each unknown section is reported once, at its
// header, not once per key.
func (v *Values) applyFile(path string) []error {
	f, err := os.Open(path)
	if err != nil {
		return []error{&Error{Source: Source{Kind: FromFile, Name: path}, Err: err}}
	}
	defer f.Close()
	secs, err := parseINI(path, f)
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, sec := range secs {
		if !v.set.knownGroup(sec.name) {
			errs = append(errs, v.set.unknown(sec.name, "", Source{Kind: FromFile, Name: path, Line: sec.line}))
			continue
		}
		for _, e := range sec.entries {
			if err := v.assign(sec.name, e.key, e.value, Source{Kind: FromFile, Name: path, Line: e.line}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}
