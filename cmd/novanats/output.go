package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// outputFlag is the -o flag of the operator's read commands.
type outputFlag struct{ format string }

func (o *outputFlag) register(fs interface {
	StringVarP(p *string, name, shorthand, value, usage string)
}) {
	fs.StringVarP(&o.format, "output", "o", "table", "output format: table or json")
}

// check rejects an unknown format as a usage error (exit 2).
func (o *outputFlag) check() error {
	switch o.format {
	case "table", "json":
		return nil
	}
	return withCode(exitUsage, fmt.Errorf("-o %s: want table or json", o.format))
}

// print writes v as indented JSON, or the table that table writes.
func (o *outputFlag) print(out io.Writer, v any, table func(tw io.Writer)) error {
	if o.format == "json" {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(out, string(b))
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	table(tw)
	return tw.Flush()
}

// orDash shows an empty value as "-" in tables.
func orDash[T comparable](v T) string {
	var zero T
	if v == zero {
		return "-"
	}
	return fmt.Sprint(v)
}
