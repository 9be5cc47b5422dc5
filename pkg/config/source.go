package config

import "fmt"

// SourceKind says where a value came from. Later kinds win: a flag
// overrides the environment, which overrides the file, which overrides the
// default.
type SourceKind int

const (
	FromDefault SourceKind = iota
	FromFile
	FromEnv
	FromFlag
)

// Source locates a value, or an error, in what the operator wrote.
type Source struct {
	Kind SourceKind
	// Name is the flag ("--report-interval"), the environment variable or
	// the file's path.
	Name string
	// Line is the line in the file, from 1; 0 for the file as a whole.
	Line int
}

// String is the location as the operator would look for it: "flag
// --report-interval", "env NOVANATS_DEFAULT__REPORT_INTERVAL",
// "file /etc/novanats/nova.conf:12", "default".
func (s Source) String() string {
	switch s.Kind {
	case FromFlag:
		return "flag " + s.Name
	case FromEnv:
		return "env " + s.Name
	case FromFile:
		if s.Line > 0 {
			return fmt.Sprintf("file %s:%d", s.Name, s.Line)
		}
		return "file " + s.Name
	}
	return "default"
}
