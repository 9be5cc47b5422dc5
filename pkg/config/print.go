package config

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Print writes the effective configuration, one option a line: group,
// name, value as nova.conf would spell it, and where it came from (with
// what a start-up rule changed). It is what --print-config shows, so an
// operator can see why a service behaves as it does.
func (v *Values) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tNAME\tVALUE\tSOURCE")
	for _, val := range v.vals {
		src := val.Source.String()
		if val.Note != "" {
			src += " (" + val.Note + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", val.Option.Group, val.Option.Name, display(val), src)
	}
	return tw.Flush()
}

// display quotes the values a bare column would hide: empty, or spanning
// lines.
func display(val Value) string {
	s := val.Option.Kind.format(val.Value)
	if s == "" || strings.ContainsAny(s, "\n\t") {
		return strconv.Quote(s)
	}
	return s
}
