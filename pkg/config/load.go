package config

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/spf13/pflag"
)

// Sources are where Load looks for values, highest precedence first: flags,
// environment, config file; an option none of them sets keeps its default.
type Sources struct {
	// Flags is the FlagSet RegisterFlags filled, after parsing; nil for
	// none.
	Flags *pflag.FlagSet
	// Env is the environment in os.Environ's form; nil for none.
	Env []string
	// File is the config file to read when neither --config-file nor
	// NOVANATS_CONFIG_FILE names one; "" for none. A named file that cannot
	// be read is an error.
	File string
	// Logger gets the warnings of values Load adjusts; nil is
	// slog.Default().
	Logger *slog.Logger
}

// configFile is the file to read: --config-file, else
// NOVANATS_CONFIG_FILE, else Sources.File.
func (src Sources) configFile() string {
	if src.Flags != nil {
		if f := src.Flags.Lookup(ConfigFileFlag); f != nil && f.Changed {
			return f.Value.String()
		}
	}
	for _, kv := range src.Env {
		if v, ok := strings.CutPrefix(kv, ConfigFileEnv+"="); ok && v != "" {
			return v
		}
	}
	return src.File
}

// Load reads the set's options from src and returns the effective values,
// after nova's start-up rules (see rules.go). Every mistake in every source
// is reported, each as an *Error naming the source, the option and the
// problem, joined with errors.Join.
func (s *Set) Load(src Sources) (*Values, error) {
	v := newValues(s)
	var errs []error
	if path := src.configFile(); path != "" {
		errs = append(errs, v.applyFile(path)...)
	}
	errs = append(errs, v.applyEnv(src.Env)...)
	if src.Flags != nil {
		errs = append(errs, v.applyFlags(src.Flags)...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	log := src.Logger
	if log == nil {
		log = slog.Default()
	}
	for _, rule := range rules {
		rule(v, log)
	}
	return v, nil
}
