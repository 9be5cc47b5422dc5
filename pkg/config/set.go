package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Set is the options one program accepts: a service's, or several services'
// for a program that runs them together. It is immutable and safe for
// concurrent use.
type Set struct {
	opts  []*Option // DEFAULT first, then by group and name
	index map[string]int
}

func key(group, name string) string { return group + "." + name }

// NewSet checks the declarations and returns them as a Set. Every group and
// name must be lower case with underscores (or DEFAULT), every default must
// be valid, and no two options may share a name within a group, a flag or
// an environment variable.
func NewSet(opts ...*Option) (*Set, error) {
	s := &Set{opts: slices.Clone(opts), index: map[string]int{}}
	slices.SortStableFunc(s.opts, compareOptions)
	flags := map[string]*Option{}
	for i, o := range s.opts {
		if err := o.check(); err != nil {
			return nil, err
		}
		if _, dup := s.index[key(o.Group, o.Name)]; dup {
			return nil, fmt.Errorf("config: option %s declared twice", o)
		}
		if other, dup := flags[o.FlagName()]; dup {
			return nil, fmt.Errorf("config: options %s and %s would share the flag --%s", other, o, o.FlagName())
		}
		s.index[key(o.Group, o.Name)] = i
		flags[o.FlagName()] = o
	}
	return s, nil
}

func compareOptions(a, b *Option) int {
	if (a.Group == DefaultGroup) != (b.Group == DefaultGroup) {
		if a.Group == DefaultGroup {
			return -1
		}
		return 1
	}
	return cmp.Or(strings.Compare(a.Group, b.Group), strings.Compare(a.Name, b.Name))
}

// catalog is every option novanats knows (the options_*.go files).
var catalog = mustSet(slices.Concat(serviceOptions, rpcOptions, computeOptions,
	libvirtOptions, schedulerOptions, conductorOptions)...)

func mustSet(opts ...*Option) *Set {
	s, err := NewSet(opts...)
	if err != nil {
		panic(err)
	}
	return s
}

// Catalog is the Set of every option novanats declares.
func Catalog() *Set { return catalog }

// ForService is the Set of the options the given services read; for a
// program running several services, or them together.
func ForService(svc Service) *Set {
	var opts []*Option
	for _, o := range catalog.opts {
		if o.Services&svc != 0 {
			opts = append(opts, o)
		}
	}
	return mustSet(opts...)
}

// Options lists the set's options: DEFAULT first, then by group and name.
func (s *Set) Options() []*Option { return slices.Clone(s.opts) }

// Lookup finds an option by nova's group and name.
func (s *Set) Lookup(group, name string) (*Option, bool) {
	i, ok := s.index[key(group, name)]
	if !ok {
		return nil, false
	}
	return s.opts[i], true
}

// known reports whether an option is one novanats knows, in this set or
// not. Files and environments are shared between services, as nova.conf is:
// another service's option is not a mistake, a name no service has is.
func (s *Set) known(group, name string) bool {
	_, in := s.Lookup(group, name)
	_, cat := catalog.Lookup(group, name)
	return in || cat
}

func (s *Set) knownGroup(group string) bool {
	for _, set := range []*Set{s, catalog} {
		for _, o := range set.opts {
			if o.Group == group {
				return true
			}
		}
	}
	return false
}

// unknown is the error for an option (or, with no name, a section) nobody
// declares, with a hint when the operator was close: a different spelling,
// or nova's option in another section (nova moved several between
// releases).
func (s *Set) unknown(group, name string, src Source) *Error {
	err := ErrUnknownOption
	if name == "" {
		err = ErrUnknownSection
	}
	if hint := s.hint(group, name); hint != "" {
		err = fmt.Errorf("%w (did you mean %s?)", err, hint)
	}
	return &Error{Source: src, Group: group, Name: name, Err: err}
}

func (s *Set) hint(group, name string) string {
	norm := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), "-", "_"))
	best, bestDist := "", 3 // suggest only names within two edits
	closer := func(a, b, suggestion string) {
		if d := editDistance(a, b); d < bestDist {
			best, bestDist = suggestion, d
		}
	}
	for _, set := range []*Set{s, catalog} {
		for _, o := range set.opts {
			sameGroup := strings.EqualFold(strings.TrimSpace(group), o.Group)
			switch {
			case name == "" && sameGroup:
				return "[" + o.Group + "]"
			case name == "":
				closer(group, o.Group, "["+o.Group+"]")
			case o.Name == norm:
				return o.String()
			case sameGroup:
				closer(norm, o.Name, o.String())
			}
		}
	}
	return best
}

// editDistance is the Levenshtein distance, for typos in option names.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
