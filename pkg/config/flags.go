package config

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// ConfigFileFlag is nova's own --config-file: the INI file to read.
const ConfigFileFlag = "config-file"

// ConfigFileEnv names the config file when no --config-file is given.
const ConfigFileEnv = EnvPrefix + "CONFIG_FILE"

// RegisterFlags adds --config-file and a flag per option to fs (a cobra
// command's Flags()), so --help lists every option with its help, nova's
// section and name, and its default.
//
// Flags are the option names with dashes (--live-migration-downtime); the
// spelling with underscores, as in nova.conf, is accepted too: RegisterFlags
// makes fs treat '_' in any flag name as '-'. A list flag takes the whole
// list, comma-separated, as nova's ListOpt does. A bool flag alone means
// true. RegisterFlags panics, like pflag, if a flag is already defined. A
// normalization set on fs afterwards (cobra's SetGlobalNormalizationFunc)
// replaces the underscore rule unless it does the same.
func (s *Set) RegisterFlags(fs *pflag.FlagSet) {
	prev := fs.GetNormalizeFunc()
	fs.SetNormalizeFunc(func(f *pflag.FlagSet, name string) pflag.NormalizedName {
		return prev(f, strings.ReplaceAll(name, "_", "-"))
	})
	if fs.Lookup(ConfigFileFlag) == nil {
		fs.String(ConfigFileFlag, "", "nova.conf-style INI file to read options from (or env "+ConfigFileEnv+")")
	}
	for _, o := range s.opts {
		f := fs.VarPF(&flagValue{opt: o, raw: o.Kind.format(o.Default)}, o.FlagName(), "", o.usage())
		if o.Kind == Bool {
			f.NoOptDefVal = "true"
		}
	}
}

// usage is the option's help with nova's name, and its default where
// pflag would not show it: pflag leaves out defaults that look like zero
// values ("0", "false", ""), but for an operator comparing with nova.conf a
// default of 0 is information too.
func (o *Option) usage() string {
	u := fmt.Sprintf("%s (%s)", o.Help, o)
	switch d := o.Kind.format(o.Default); d {
	case "":
		return u + ` (default "")`
	case "0", "false":
		return u + " (default " + d + ")"
	}
	return u
}

// flagValue is a pflag.Value that checks a flag as the option would check
// it from any other source, so a bad flag fails while parsing, naming the
// flag.
type flagValue struct {
	opt *Option
	raw string
}

func (f *flagValue) String() string { return f.raw }
func (f *flagValue) Type() string   { return f.opt.Kind.String() }

func (f *flagValue) Set(s string) error {
	if _, err := f.opt.parse(s); err != nil {
		return fmt.Errorf("%s: %w", f.opt, err)
	}
	f.raw = s
	return nil
}

// applyFlags takes the flags the command line set. A flag that was not
// given leaves the value from the other sources.
func (v *Values) applyFlags(fs *pflag.FlagSet) []error {
	var errs []error
	for _, o := range v.set.opts {
		f := fs.Lookup(o.FlagName())
		if f == nil || !f.Changed {
			continue
		}
		src := Source{Kind: FromFlag, Name: "--" + f.Name}
		if err := v.assign(o.Group, o.Name, f.Value.String(), src); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
