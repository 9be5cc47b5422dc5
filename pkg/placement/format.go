package placement

import "strconv"

// num prints a capacity the way placement's messages show numbers: plain
// digits, no exponent, no ".0" on whole values.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
