package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseINI(t *testing.T) {
	const text = `# nova.conf as operators write it
; a semicolon comment
[DEFAULT]
report_interval=5
  
service_down_time :   30   
host = "compute-1"
empty =
quoted = ' spaced '
mismatched = "abc'

[filter_scheduler]
enabled_filters = ComputeFilter,
    RamFilter,
	CoreFilter
# a comment ends the continuation
weight_classes = all_weighers # not a comment: oslo keeps it
[DEFAULT]
report_interval = 7
`
	secs, err := parseINI("nova.conf", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		section, key, value string
		line                int
	}
	var got []entry
	var headers []int
	for _, s := range secs {
		headers = append(headers, s.line)
		for _, e := range s.entries {
			got = append(got, entry{s.name, e.key, e.value, e.line})
		}
	}
	want := []entry{
		{"DEFAULT", "report_interval", "5", 4},
		{"DEFAULT", "service_down_time", "30", 6},
		{"DEFAULT", "host", "compute-1", 7},
		{"DEFAULT", "empty", "", 8},
		{"DEFAULT", "quoted", " spaced ", 9},
		{"DEFAULT", "mismatched", `"abc'`, 10},
		{"filter_scheduler", "enabled_filters", "ComputeFilter,\nRamFilter,\nCoreFilter", 13},
		{"filter_scheduler", "weight_classes", "all_weighers # not a comment: oslo keeps it", 17},
		{"DEFAULT", "report_interval", "7", 19},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries:\n got %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(headers, []int{3, 12, 18}) {
		t.Errorf("section header lines = %v; want [3 12 18]", headers)
	}
}

func TestParseINIErrors(t *testing.T) {
	for _, tc := range []struct {
		text string
		line int
		want string
	}{
		{"[DEFAULT]\n  indented = 1\n", 2, "continues no option"},
		{"[DEFAULT]\nhost = a\n\n  more\n", 4, "continues no option"}, // a blank line ended host
		{"[DEFAULT]\n[libvirt\n", 2, "must be [name]"},
		{"[]\n", 1, "must be [name]"},
		{"[DEFAULT]\njust words\n", 2, "not name = value"},
		{"[DEFAULT]\n= 5\n", 2, "no option name"},
		{"# comment\nhost = a\n", 2, "before any [section]"},
	} {
		_, err := parseINI("f.conf", strings.NewReader(tc.text))
		var ce *Error
		if !errors.As(err, &ce) || !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: error %v; want a syntax *Error", tc.text, err)
			continue
		}
		if ce.Source.Line != tc.line || !strings.Contains(err.Error(), tc.want) ||
			!strings.HasPrefix(err.Error(), "file f.conf:") {
			t.Errorf("%q: error %q at line %d; want line %d and %q", tc.text, err, ce.Source.Line, tc.line, tc.want)
		}
	}
}
