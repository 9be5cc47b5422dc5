package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestBoolSpellings(t *testing.T) {
	for in, want := range map[string]bool{
		"true": true, "True": true, "TRUE": true, "yes": true, "Yes": true, "on": true, "ON": true, "1": true,
		"false": false, "False": false, "no": false, "NO": false, "off": false, "Off": false, "0": false,
		" yes ": true,
	} {
		got, err := Bool.parse(in)
		if err != nil || got != want {
			t.Errorf("Bool.parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "maybe", "2", "y", "enabled"} {
		if _, err := Bool.parse(in); err == nil || !strings.Contains(err.Error(), "not a boolean") {
			t.Errorf("Bool.parse(%q) error = %v; want 'not a boolean'", in, err)
		}
	}
}

func TestParseNumbers(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		in   string
		want any
	}{
		{Int, "42", 42},
		{Int, " -1 ", -1},
		{Int, "+7", 7},
		{Float, "1.5", 1.5},
		{Float, "2", 2.0},
		{Float, "-0.25", -0.25},
		{Seconds, "10", 10 * time.Second},
		{Seconds, "0", time.Duration(0)},
		{Seconds, "-1", -time.Second},
	} {
		got, err := tc.kind.parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s.parse(%q) = %#v, %v; want %#v", tc.kind, tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		kind Kind
		in   string
		want string
	}{
		{Int, "4.5", "not an integer"},
		{Int, "ten", "not an integer"},
		{Int, "", "not an integer"},
		{Int, "99999999999999999999", "out of range"},
		{Float, "nan", "not a finite number"},
		{Float, "Inf", "not a finite number"},
		{Float, "1,5", "not a finite number"},
		{Seconds, "1.5", "not a whole number of seconds"},
		{Seconds, "10s", "not a whole number of seconds"},
		{Seconds, "9223372037", "out of range"}, // seconds past int64 nanoseconds
	} {
		if _, err := tc.kind.parse(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s.parse(%q) error = %v; want %q", tc.kind, tc.in, err, tc.want)
		}
	}
}

func TestParseList(t *testing.T) {
	for in, want := range map[string][]string{
		"a":                {"a"},
		"a,b":              {"a", "b"},
		" a , b ,c, ":      {"a", "b", "c"}, // oslo tolerates one trailing comma
		"":                 {},
		"   ":              {},
		"a,\nb,\nc":        {"a", "b", "c"}, // continuation lines of a file
		"RamFilter,  Core": {"RamFilter", "Core"},
	} {
		got, err := List.parse(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("List.parse(%q) = %#v, %v; want %#v", in, got, err, want)
		}
	}
	for _, in := range []string{"a,,b", ",a", "a, ,b"} {
		if _, err := List.parse(in); err == nil || !strings.Contains(err.Error(), "empty") {
			t.Errorf("List.parse(%q) error = %v; want an empty item error", in, err)
		}
	}
}

// Every declared default, written as help and --print-config write it,
// reads back as the same value: what the operator copies from the help
// means what the help says.
func TestFormatRoundTrip(t *testing.T) {
	for _, o := range Catalog().Options() {
		s := o.Kind.format(o.Default)
		back, err := o.parse(s)
		if err != nil || !reflect.DeepEqual(back, o.Default) {
			t.Errorf("%s: default %#v formats as %q, which parses as %#v, %v", o, o.Default, s, back, err)
		}
	}
	if got := Float.format(1.0); got != "1.0" {
		t.Errorf("Float.format(1.0) = %q; want nova's 1.0", got)
	}
	if got := Seconds.format(90 * time.Second); got != "90" {
		t.Errorf("Seconds.format(90s) = %q; want 90", got)
	}
}
