package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// DefaultGroup is nova.conf's [DEFAULT] section.
const DefaultGroup = "DEFAULT"

// Option declares one configuration option under nova's name. The catalog
// declares each option once; flags, environment variables, file keys, help
// and struct binding all derive from the declaration.
type Option struct {
	// Group is nova's section: DEFAULT, libvirt, filter_scheduler, ...
	Group string
	// Name is nova's option name, lower case with underscores.
	Name string
	// Kind is the value's type.
	Kind Kind
	// Default is the value when no source sets one, of Kind's Go type
	// (int, float64, bool, string, []string, time.Duration).
	Default any
	// Min and Max bound numeric kinds, inclusive, as oslo's min= and max=;
	// nil means unbounded. Seconds are bounded in seconds.
	Min, Max *float64
	// ClampMin raises a value below Min to Min with a warning instead of
	// rejecting it, as nova's libvirt driver does for the live-migration
	// downtime settings.
	ClampMin bool
	// Choices, if set, are the only values a String option accepts (oslo's
	// choices=).
	Choices []string
	// Check, if set, is a further test of a parsed value, for rules another
	// package owns (the scheduler knows which filter names exist).
	Check func(v any) error
	// Help is one line on the option's meaning, shown in --help.
	Help string
	// Services are the services that read the option.
	Services Service
}

// limit is a bound for Option.Min and Option.Max.
func limit(v float64) *float64 { return &v }

// String names the option as nova's documentation does: "[libvirt]
// live_migration_downtime".
func (o *Option) String() string { return "[" + o.Group + "] " + o.Name }

// FlagName is the command-line flag, without dashes in front: the option's
// name with dashes for underscores ("live-migration-downtime"). The group is
// not part of it; names are unique across the catalog (a test keeps them
// so).
func (o *Option) FlagName() string { return strings.ReplaceAll(o.Name, "_", "-") }

// EnvName is the environment variable: NOVANATS_<GROUP>__<NAME> in upper
// case, the double underscore separating the section from the option
// ("NOVANATS_LIBVIRT__LIVE_MIGRATION_DOWNTIME").
func (o *Option) EnvName() string {
	return EnvPrefix + strings.ToUpper(o.Group) + "__" + strings.ToUpper(o.Name)
}

// parse reads raw and checks the result against the option's bounds,
// choices and Check. A value below Min of a ClampMin option passes: Load
// clamps it and says so.
func (o *Option) parse(raw string) (any, error) {
	v, err := o.Kind.parse(raw)
	if err != nil {
		return nil, err
	}
	return v, o.validate(v)
}

func (o *Option) validate(v any) error {
	if n, ok := number(v); ok {
		if o.Min != nil && n < *o.Min && !o.ClampMin {
			return fmt.Errorf("%s is below the minimum %s", o.Kind.format(v), o.formatBound(*o.Min))
		}
		if o.Max != nil && n > *o.Max {
			return fmt.Errorf("%s is above the maximum %s", o.Kind.format(v), o.formatBound(*o.Max))
		}
	}
	if s, ok := v.(string); ok && len(o.Choices) > 0 && !slices.Contains(o.Choices, s) {
		return fmt.Errorf("%q is not one of: %s", s, strings.Join(o.Choices, ", "))
	}
	if o.Check != nil {
		return o.Check(v)
	}
	return nil
}

func (o *Option) formatBound(b float64) string { return o.Kind.format(o.Kind.fromNumber(b)) }

// below reports whether v is under the option's minimum.
func (o *Option) below(v any) bool {
	n, ok := number(v)
	return ok && o.Min != nil && n < *o.Min
}

// check verifies a declaration: a name nova could have, a default of the
// right type that its own bounds accept.
func (o *Option) check() error {
	if o.Group != DefaultGroup && !lowerName(o.Group) || !lowerName(o.Name) {
		return fmt.Errorf("config: option %s: group and name must be lower case letters, digits and underscores (or DEFAULT)", o)
	}
	t := o.Kind.goType()
	if t == nil {
		return fmt.Errorf("config: option %s: unknown kind %d", o, int(o.Kind))
	}
	if reflect.TypeOf(o.Default) != t {
		return fmt.Errorf("config: option %s: default %#v is not a %s", o, o.Default, t)
	}
	if n, ok := number(o.Default); ok && o.Kind == Seconds && n != float64(int64(n)) {
		return fmt.Errorf("config: option %s: default %v is not whole seconds", o, o.Default)
	}
	if o.below(o.Default) {
		return fmt.Errorf("config: option %s: default %s is below its minimum %s", o, o.Kind.format(o.Default), o.formatBound(*o.Min))
	}
	if err := o.validate(o.Default); err != nil {
		return fmt.Errorf("config: option %s: default: %w", o, err)
	}
	return nil
}

func lowerName(s string) bool {
	if s == "" || strings.Contains(s, "__") {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// Service is a set of novanats services, as a bit mask: the services that
// read an option, or the services a Set serves.
type Service uint8

const (
	ServiceConductor Service = 1 << iota
	ServiceScheduler
	ServiceCompute

	// AllServices reads options every service needs (host, liveness, RPC).
	AllServices = ServiceConductor | ServiceScheduler | ServiceCompute
)

var serviceNames = []struct {
	s    Service
	name string
}{{ServiceConductor, "conductor"}, {ServiceScheduler, "scheduler"}, {ServiceCompute, "compute"}}

// String lists the services, "conductor,compute".
func (s Service) String() string {
	var names []string
	for _, n := range serviceNames {
		if s&n.s != 0 {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}
