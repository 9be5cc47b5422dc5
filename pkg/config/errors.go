package config

import (
	"errors"
	"strings"
)

// Sentinels for errors.Is; every error Load returns is an *Error wrapping
// one of them (or the file system's error), joined with errors.Join when
// there are several, so one start-up shows every mistake at once.
var (
	// ErrUnknownOption: an option no service knows. (An unknown flag is
	// pflag's own error, at parse time.)
	ErrUnknownOption = errors.New("unknown option")
	// ErrUnknownSection: a config file section no service knows.
	ErrUnknownSection = errors.New("unknown section")
	// ErrInvalidValue: a value its option rejects.
	ErrInvalidValue = errors.New("invalid value")
	// ErrSyntax: a config file line that is not INI.
	ErrSyntax = errors.New("syntax error")
)

// Error is a configuration mistake: where it was written, which option, and
// what is wrong.
type Error struct {
	Source Source
	// Group and Name are the option as written; Name is empty for an
	// unknown section or a syntax error, Group too for the latter.
	Group, Name string
	Err         error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Source.String())
	b.WriteString(": ")
	switch {
	case e.Name != "":
		b.WriteString("[" + e.Group + "] " + e.Name + ": ")
	case e.Group != "":
		b.WriteString("[" + e.Group + "]: ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }
