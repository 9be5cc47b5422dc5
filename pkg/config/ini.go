package config

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// iniSection is one [section] of a nova.conf-style file. A section named
// twice appears twice; later keys win, as in oslo.config.
type iniSection struct {
	name    string
	line    int
	entries []iniEntry
}

type iniEntry struct {
	key, value string
	line       int
}

// parseINI reads the INI dialect of oslo.config's iniparser, so any
// nova.conf an operator has reads the same here:
//
//   - "[name]" starts a section; "#" or ";" first on a line is a comment;
//     comments after a value are part of the value, as in oslo.
//   - "key = value" or "key: value"; spaces around both are dropped, and
//     one pair of matching quotes around the value too.
//   - A line starting with a space or tab continues the value above it
//     (joined with a newline: a list may span lines); a blank line or a
//     comment ends it.
//
// Errors are *Error with ErrSyntax and the file and line.
func parseINI(path string, r io.Reader) ([]iniSection, error) {
	var (
		secs    []iniSection
		pending *iniEntry // the assignment that continuation lines extend
	)
	flush := func() {
		if pending != nil {
			s := &secs[len(secs)-1]
			s.entries = append(s.entries, *pending)
			pending = nil
		}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		syntax := func(format string, args ...any) error {
			return &Error{Source: Source{Kind: FromFile, Name: path, Line: n},
				Err: fmt.Errorf("%w: "+format, append([]any{ErrSyntax}, args...)...)}
		}
		line := strings.TrimRightFunc(sc.Text(), unicode.IsSpace)
		switch {
		case line == "":
			flush()
		case line[0] == ' ' || line[0] == '\t':
			if pending == nil {
				return nil, syntax("indented line %q continues no option", strings.TrimSpace(line))
			}
			pending.value += "\n" + strings.TrimLeftFunc(line, unicode.IsSpace)
		case line[0] == '[':
			flush()
			if !strings.HasSuffix(line, "]") || len(line) <= 2 {
				return nil, syntax("section header %q must be [name]", line)
			}
			secs = append(secs, iniSection{name: line[1 : len(line)-1], line: n})
		case line[0] == '#' || line[0] == ';':
			flush()
		default:
			flush()
			k, v, ok := splitAssignment(line)
			switch {
			case !ok:
				return nil, syntax("%q is not name = value", line)
			case k == "":
				return nil, syntax("%q has no option name", line)
			case len(secs) == 0:
				return nil, syntax("option %q comes before any [section] (nova's general options go under [DEFAULT])", k)
			}
			pending = &iniEntry{key: k, value: v, line: n}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &Error{Source: Source{Kind: FromFile, Name: path}, Err: err}
	}
	flush()
	return secs, nil
}

// splitAssignment splits at the first '=' or ':', whichever comes first.
func splitAssignment(line string) (key, value string, ok bool) {
	i := strings.IndexAny(line, "=:")
	if i < 0 {
		return "", "", false
	}
	key, value = strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:])
	if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
		value = value[1 : len(value)-1]
	}
	return key, value, true
}
