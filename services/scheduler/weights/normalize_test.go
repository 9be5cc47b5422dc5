package weights

import (
	"slices"
	"testing"
)

func TestNormalize(t *testing.T) {
	cases := []struct {
		name     string
		in       []float64
		min, max *float64
		want     []float64
	}{
		{"empty", nil, nil, nil, []float64{}},
		{"one value", []float64{5}, nil, nil, []float64{0}},
		{"all equal: nothing to prefer", []float64{3, 3, 3}, nil, nil, []float64{0, 0, 0}},
		{"range from the values", []float64{1, 2, 3}, nil, nil, []float64{0, 0.5, 1}},
		{"unordered and negative", []float64{-10, 30, 10}, nil, nil, []float64{0, 1, 0.5}},
		{"fixed minimum", []float64{2, 4}, f(0), nil, []float64{0.5, 1}},
		{"fixed maximum", []float64{2, 4}, nil, f(10), []float64{0, 0.25}},
		{"fixed both", []float64{5}, f(0), f(10), []float64{0.5}},
		{"fixed bounds equal", []float64{1, 2}, f(4), f(4), []float64{0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Normalize(c.in, c.min, c.max)
			if !slices.Equal(got, c.want) {
				t.Errorf("Normalize(%v, %v, %v) = %v, want %v", c.in, c.min, c.max, got, c.want)
			}
		})
	}
}
