package config

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of an option's value, after oslo.config's option types.
// Every source (flag, environment, file, the declared default) is text
// read by the same Kind, so an operator's "yes" means the same everywhere.
type Kind int

const (
	// Int is oslo's IntOpt; the value is a Go int.
	Int Kind = iota + 1
	// Float is oslo's FloatOpt; the value is a float64. NaN and the
	// infinities are rejected: no option of nova's means them.
	Float
	// Bool is oslo's BoolOpt; the value is a bool. oslo's spellings are
	// accepted, in any case: true/false, yes/no, on/off, 1/0.
	Bool
	// String is oslo's StrOpt; the value is the text as given.
	String
	// List is oslo's ListOpt; the value is a []string split on commas,
	// each item trimmed of spaces.
	List
	// Seconds is an IntOpt nova counts in whole seconds (report_interval,
	// rpc_response_timeout); the value is a time.Duration so that services
	// never multiply by time.Second themselves. It is written as nova
	// writes it: an integer number of seconds.
	Seconds
)

// maxSeconds keeps n*time.Second inside an int64.
const maxSeconds = math.MaxInt64 / int64(time.Second)

// String is the name pflag shows after a flag in help ("--report-interval
// seconds").
func (k Kind) String() string {
	switch k {
	case Int:
		return "int"
	case Float:
		return "float"
	case Bool:
		return "bool"
	case String:
		return "string"
	case List:
		return "list"
	case Seconds:
		return "seconds"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// goType is the Go type of a value of this kind; defaults must have it and
// bound struct fields must have it as their underlying type.
func (k Kind) goType() reflect.Type {
	switch k {
	case Int:
		return reflect.TypeFor[int]()
	case Float:
		return reflect.TypeFor[float64]()
	case Bool:
		return reflect.TypeFor[bool]()
	case String:
		return reflect.TypeFor[string]()
	case List:
		return reflect.TypeFor[[]string]()
	case Seconds:
		return reflect.TypeFor[time.Duration]()
	}
	return nil
}

// parse reads s as a value of kind k. Bounds and choices are the option's
// business (Option.parse).
func (k Kind) parse(s string) (any, error) {
	t := strings.TrimSpace(s)
	switch k {
	case Int:
		n, err := strconv.ParseInt(t, 10, strconv.IntSize)
		if err != nil {
			return nil, numberError(s, "an integer", err)
		}
		return int(n), nil
	case Seconds:
		n, err := strconv.ParseInt(t, 10, 64)
		if err == nil && (n > maxSeconds || n < -maxSeconds) {
			err = strconv.ErrRange
		}
		if err != nil {
			return nil, numberError(s, "a whole number of seconds", err)
		}
		return time.Duration(n) * time.Second, nil
	case Float:
		f, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%q is not a finite number", s)
		}
		return f, nil
	case Bool:
		switch strings.ToLower(t) {
		case "true", "yes", "on", "1":
			return true, nil
		case "false", "no", "off", "0":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean (true/false, yes/no, on/off, 1/0)", s)
	case String:
		return s, nil
	case List:
		return parseList(t)
	}
	return nil, fmt.Errorf("unknown option kind %d", int(k))
}

func numberError(s, what string, err error) error {
	if errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("%q is out of range", s)
	}
	return fmt.Errorf("%q is not %s", s, what)
}

// parseList splits oslo's ListOpt syntax: "a, b,c" is three items; an empty
// value is the empty list; one trailing comma is tolerated, as oslo does.
// An empty item ("a,,b") is rejected: every list nova has names things, and
// an empty name is a slip that would otherwise surface far from the file.
func parseList(s string) ([]string, error) {
	s = strings.TrimSuffix(s, ",")
	if strings.TrimSpace(s) == "" {
		return []string{}, nil
	}
	items := strings.Split(s, ",")
	for i, it := range items {
		items[i] = strings.TrimSpace(it)
		if items[i] == "" {
			return nil, fmt.Errorf("item %d of %q is empty", i+1, s)
		}
	}
	return items, nil
}

// format writes v as it would be written in nova.conf, so that printed and
// help defaults can be pasted back into a file.
func (k Kind) format(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case time.Duration:
		return strconv.FormatInt(int64(x/time.Second), 10)
	case float64:
		s := strconv.FormatFloat(x, 'f', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0" // nova writes 1.0, and it says "this is a float"
		}
		return s
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	case []string:
		return strings.Join(x, ",")
	}
	return fmt.Sprint(v)
}

// number is v as a float64 for comparing with an option's bounds; Seconds
// compare in seconds.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	case time.Duration:
		return x.Seconds(), true
	}
	return 0, false
}

// fromNumber is the inverse of number for kind k, used to clamp a value to
// its option's bound.
func (k Kind) fromNumber(f float64) any {
	switch k {
	case Int:
		return int(f)
	case Seconds:
		return time.Duration(f) * time.Second
	}
	return f
}
