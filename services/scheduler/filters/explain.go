package filters

import "strconv"

// num prints a resource amount computed with a float ratio the way nova's
// log lines show Python floats: plain digits, no exponent (Go's %g would
// print a large disk as 1.048576e+06), and no ".0" noise when whole.
func num(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}
