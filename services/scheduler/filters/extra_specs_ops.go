package filters

import (
	"strconv"
	"strings"
)

// matchExtraSpec is nova's extra_specs_ops.match: req is either a plain
// value that must equal value, or an operator followed by operands:
//
//	"= 4"  "== 4"  "!= 4"  ">= 4"  "<= 4"   numeric ("=" means ≥)
//	"s== x" "s!= x" "s< x" "s<= x" "s> x" "s>= x"   string comparison
//	"<in> x"          x is a substring of value
//	"<all-in> x y"    every operand is a substring of value
//	"<or> a <or> b"   value equals one of the alternatives
//
// A first word that is no operator makes the whole of req a plain value.
// A number that does not parse fails the match, where nova would raise.
func matchExtraSpec(value, req string) bool {
	words := strings.Fields(req)
	if len(words) == 0 {
		return value == req
	}
	op, operands := words[0], words[1:]
	if op == "<or>" {
		// Alternatives sit at even positions: a <or> b <or> c.
		for i := 0; i < len(operands); i += 2 {
			if operands[i] == value {
				return true
			}
		}
		return false
	}
	method, ok := extraSpecOps[op]
	if !ok {
		return value == req
	}
	if len(operands) == 0 {
		return false
	}
	if op == "<all-in>" {
		for _, o := range operands {
			if !strings.Contains(value, o) {
				return false
			}
		}
		return true
	}
	return method(value, operands[0])
}

var extraSpecOps = map[string]func(v, r string) bool{
	"=":        numeric(func(v, r float64) bool { return v >= r }),
	"==":       numeric(func(v, r float64) bool { return v == r }),
	"!=":       numeric(func(v, r float64) bool { return v != r }),
	">=":       numeric(func(v, r float64) bool { return v >= r }),
	"<=":       numeric(func(v, r float64) bool { return v <= r }),
	"s==":      func(v, r string) bool { return v == r },
	"s!=":      func(v, r string) bool { return v != r },
	"s<":       func(v, r string) bool { return v < r },
	"s<=":      func(v, r string) bool { return v <= r },
	"s>":       func(v, r string) bool { return v > r },
	"s>=":      func(v, r string) bool { return v >= r },
	"<in>":     strings.Contains,
	"<all-in>": nil, // handled in matchExtraSpec: it takes every operand
}

func numeric(cmp func(v, r float64) bool) func(v, r string) bool {
	return func(v, r string) bool {
		fv, err1 := strconv.ParseFloat(v, 64)
		fr, err2 := strconv.ParseFloat(r, 64)
		return err1 == nil && err2 == nil && cmp(fv, fr)
	}
}
