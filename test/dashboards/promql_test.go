package dashboards

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// A small PromQL scanner: enough to list the series names, the labels
// their selectors match on, and the labels of by/without/on/ignoring
// clauses. Prometheus' own parser is not a dependency of this module; the
// real Prometheus test evaluates every expression, so a query this
// scanner misreads still fails there if it is wrong.

type selector struct {
	metric string
	labels []string
}

type promqlRefs struct {
	selectors []selector
	grouping  []string // labels of by, without, on, ignoring, group_left/right
}

var (
	aggregators = []string{"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"}
	keywords    = []string{"and", "or", "unless", "bool", "offset", "atan2"}
	groupers    = []string{"by", "without", "on", "ignoring", "group_left", "group_right"}
)

func scanPromQL(expr string) (promqlRefs, error) {
	var refs promqlRefs
	s := expr
	i := 0
	skipSpace := func() {
		for i < len(s) && strings.ContainsRune(" \t\r\n", rune(s[i])) {
			i++
		}
	}
	ident := func() string {
		j := i
		for j < len(s) && (isIdentChar(s[j]) || j > i && s[j] >= '0' && s[j] <= '9') {
			j++
		}
		out := s[i:j]
		i = j
		return out
	}
	// labelList reads "(a, b)" at i.
	labelList := func() ([]string, error) {
		skipSpace()
		if i >= len(s) || s[i] != '(' {
			return nil, fmt.Errorf("expected ( at %d in %q", i, expr)
		}
		end := strings.IndexByte(s[i:], ')')
		if end < 0 {
			return nil, fmt.Errorf("unclosed ( at %d in %q", i, expr)
		}
		var out []string
		for _, l := range strings.Split(s[i+1:i+end], ",") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		i += end + 1
		return out, nil
	}
	// matchers reads "{a="x", b=~"y"}" at i.
	matchers := func() ([]string, error) {
		i++ // {
		var out []string
		for {
			skipSpace()
			if i >= len(s) {
				return nil, fmt.Errorf("unclosed { in %q", expr)
			}
			if s[i] == '}' {
				i++
				return out, nil
			}
			if s[i] == ',' {
				i++
				continue
			}
			name := ident()
			if name == "" {
				return nil, fmt.Errorf("expected a label name at %d in %q", i, expr)
			}
			out = append(out, name)
			skipSpace()
			for i < len(s) && strings.ContainsRune("=!~", rune(s[i])) {
				i++
			}
			skipSpace()
			if i >= len(s) || s[i] != '"' {
				return nil, fmt.Errorf("expected a quoted value for label %s in %q", name, expr)
			}
			if err := skipString(s, &i); err != nil {
				return nil, err
			}
		}
	}
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"' || c == '\'':
			if err := skipString(s, &i); err != nil {
				return refs, err
			}
		case c == '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return refs, fmt.Errorf("unclosed [ in %q", expr)
			}
			i += end + 1
		case c >= '0' && c <= '9' || c == '.':
			for i < len(s) && (isIdentChar(s[i]) || s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
				i++
			}
		case c == '{':
			return refs, fmt.Errorf("a selector without a metric name at %d in %q", i, expr)
		case isIdentChar(c):
			name := ident()
			skipSpace()
			next := byte(0)
			if i < len(s) {
				next = s[i]
			}
			switch {
			case slices.Contains(groupers, name):
				if next != '(' {
					continue // group_left without labels
				}
				ls, err := labelList()
				if err != nil {
					return refs, err
				}
				refs.grouping = append(refs.grouping, ls...)
			case slices.Contains(aggregators, name) || slices.Contains(keywords, name) || next == '(':
				// an aggregation, operator or function
			case next == '{':
				ls, err := matchers()
				if err != nil {
					return refs, err
				}
				refs.selectors = append(refs.selectors, selector{metric: name, labels: ls})
			default:
				refs.selectors = append(refs.selectors, selector{metric: name})
			}
		default:
			i++
		}
	}
	return refs, nil
}

func isIdentChar(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func skipString(s string, i *int) error {
	q := s[*i]
	for j := *i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			*i = j + 1
			return nil
		}
	}
	return fmt.Errorf("unclosed string in %q", s)
}

// labelValuesQuery splits a Grafana label_values(selector, label) query.
func labelValuesQuery(q string) (sel, label string, err error) {
	m := regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`).FindStringSubmatch(strings.TrimSpace(q))
	if m == nil {
		return "", "", fmt.Errorf("%q is not label_values(<selector>, <label>)", q)
	}
	return m[1], m[2], nil
}

func TestScanPromQL(t *testing.T) {
	refs, err := scanPromQL(`histogram_quantile(0.99, sum by (topic, le) (rate(a_bucket{topic=~"$service", x!="a,b}"}[$__rate_interval])))
	  / on (topic) group_left b > bool 0.5 unless c offset 5m`)
	if err != nil {
		t.Fatal(err)
	}
	want := []selector{{"a_bucket", []string{"topic", "x"}}, {"b", nil}, {"c", nil}}
	if fmt.Sprint(refs.selectors) != fmt.Sprint(want) || !slices.Equal(refs.grouping, []string{"topic", "le", "topic"}) {
		t.Fatalf("selectors %v grouping %v", refs.selectors, refs.grouping)
	}
	if _, err := scanPromQL(`sum({a="b"})`); err == nil {
		t.Error("a selector without a metric name passed")
	}
	if _, err := scanPromQL(`a{b="c"`); err == nil {
		t.Error("an unclosed selector passed")
	}
}
