package weights

// Normalize maps weights linearly onto 0..1, as nova's weights.normalize:
// minval (or the smallest weight when nil) becomes 0 and maxval (or the
// largest) becomes 1. When they are equal every weight is 0: a weigher
// that cannot tell the hosts apart must not favour any.
func Normalize(weights []float64, minval, maxval *float64) []float64 {
	out := make([]float64, len(weights))
	if len(weights) == 0 {
		return out
	}
	lo, hi := weights[0], weights[0]
	for _, w := range weights[1:] {
		lo, hi = min(lo, w), max(hi, w)
	}
	if minval != nil {
		lo = *minval
	}
	if maxval != nil {
		hi = *maxval
	}
	if lo == hi {
		return out
	}
	for i, w := range weights {
		out[i] = (w - lo) / (hi - lo)
	}
	return out
}
