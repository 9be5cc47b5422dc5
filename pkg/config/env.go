package config

import "strings"

// EnvPrefix starts every environment variable this package reads.
const EnvPrefix = "NOVANATS_"

// applyEnv reads NOVANATS_<GROUP>__<NAME>=value entries (os.Environ's
// form). Only names with the "__" separator are options; other NOVANATS_
// variables (NOVANATS_CONFIG_FILE, or a tool's own) are left alone, so that
// a typo in an option's name is caught without forbidding other variables.
func (v *Values) applyEnv(env []string) []error {
	var errs []error
	for _, kv := range env {
		name, raw, _ := strings.Cut(kv, "=")
		rest, ok := strings.CutPrefix(name, EnvPrefix)
		if !ok {
			continue
		}
		group, opt, ok := strings.Cut(rest, "__")
		if !ok {
			continue
		}
		if group != DefaultGroup {
			group = strings.ToLower(group)
		}
		src := Source{Kind: FromEnv, Name: name}
		if err := v.assign(group, strings.ToLower(opt), raw, src); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
