package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"sigs.k8s.io/yaml"
)

// outputFlag is the -o flag of the operator's read commands.
type outputFlag struct{ format string }

func (o *outputFlag) register(fs interface {
	StringVarP(p *string, name, shorthand, value, usage string)
}) {
	fs.StringVarP(&o.format, "output", "o", "table", "output format: table, json or yaml")
}

// check rejects an unknown format as a usage error (exit 2).
func (o *outputFlag) check() error {
	switch o.format {
	case "table", "json", "yaml":
		return nil
	}
	return withCode(exitUsage, fmt.Errorf("-o %s: want table, json or yaml", o.format))
}

// print writes v as indented JSON, as YAML, or the table that table
// writes.
func (o *outputFlag) print(out io.Writer, v any, table func(tw io.Writer)) error {
	switch o.format {
	case "json", "yaml":
		return writeStructured(out, o.format, v)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	table(tw)
	return tw.Flush()
}

// printFields writes v as JSON or YAML, or as a table of one field a row,
// in the order fields gives them (the show commands).
func (o *outputFlag) printFields(out io.Writer, v any, fields func(row func(name string, value any))) error {
	return o.print(out, v, func(tw io.Writer) {
		fields(func(name string, value any) { fmt.Fprintf(tw, "%s\t%v\n", name, value) })
	})
}

// writeStructured writes v as indented JSON or as YAML. The YAML is the
// JSON converted (sigs.k8s.io/yaml), so both carry the same fields under
// the same names, json tags and MarshalJSON methods included.
func writeStructured(out io.Writer, format string, v any) error {
	var (
		b   []byte
		err error
	)
	if format == "yaml" {
		b, err = yaml.Marshal(v)
	} else {
		b, err = json.MarshalIndent(v, "", "  ")
		b = append(b, '\n')
	}
	if err != nil {
		return err
	}
	_, err = out.Write(b)
	return err
}

// orDash shows an empty value as "-" in tables.
func orDash[T comparable](v T) string {
	var zero T
	if v == zero {
		return "-"
	}
	return fmt.Sprint(v)
}
