package db

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// natsKeyRe is what nats.go accepts in a KV key.
var natsKeyRe = regexp.MustCompile(`^[-/_=.a-zA-Z0-9]+$`)

func TestEscapeRoundTrip(t *testing.T) {
	for _, s := range []string{
		"", "a", "compute-1", "a.b", "a b", "*", ">", "a.*.>", "_", "__", "_2E",
		"a_2Eb", "host/x=y", "ünïcode-hôst", "\x00\xff", "9f1c6c1e-8a76-4e5b-a7d8-0c7d6d1c2a11",
	} {
		tok := EscapeToken(s)
		if strings.ContainsAny(tok, ". *>") || !natsKeyRe.MatchString(tok) {
			t.Errorf("EscapeToken(%q) = %q: not a single safe token", s, tok)
		}
		back, err := UnescapeToken(tok)
		if err != nil || back != s {
			t.Errorf("UnescapeToken(%q) = %q, %v; want %q", tok, back, err, s)
		}
	}
	if got := EscapeToken("compute-1.example.com"); got != "compute-1_2Eexample_2Ecom" {
		t.Errorf("host escaping = %q", got)
	}
	if got := EscapeToken("9f1c6c1e-8a76-4e5b-a7d8-0c7d6d1c2a11"); got != "9f1c6c1e-8a76-4e5b-a7d8-0c7d6d1c2a11" {
		t.Errorf("uuid should stay readable, got %q", got)
	}
}

func TestEscapeIsInjective(t *testing.T) {
	// Strings that a naive scheme would confuse.
	in := []string{"", "_", "a.b", "a_2Eb", "a_b", "a_5Fb", "ab", "a b", "a_20b"}
	seen := map[string]string{}
	for _, s := range in {
		tok := EscapeToken(s)
		if prev, dup := seen[tok]; dup {
			t.Fatalf("%q and %q both escape to %q", prev, s, tok)
		}
		seen[tok] = s
	}
}

func TestKeyOfParts(t *testing.T) {
	k := KeyOf("a.b", "nova-compute")
	if strings.Count(string(k), ".") != 1 {
		t.Fatalf("KeyOf(a.b, nova-compute) = %q: a dot in a part made an extra token", k)
	}
	parts, err := k.Parts()
	if err != nil || !slices.Equal(parts, []string{"a.b", "nova-compute"}) {
		t.Fatalf("Parts = %v, %v", parts, err)
	}
	if got := KeyOf("x").Append("y z"); got != KeyOf("x", "y z") {
		t.Fatalf("Append = %q", got)
	}
	if err := k.validate(); err != nil {
		t.Fatal(err)
	}
}

func TestKeyValidateRejectsNonCanonical(t *testing.T) {
	for _, k := range []Key{
		"", "a b", "a*", ">", "a.>", "a..b", ".a", "a.", "_2e", "_41", "a_", "a_4", "a_G0", "a=b", "a/b",
	} {
		if err := k.validate(); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("validate(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
	for _, k := range []Key{"a", "a.b", "_", "_.a", "a_2Eb", "-"} {
		if err := k.validate(); err != nil {
			t.Errorf("validate(%q) = %v", k, err)
		}
	}
}

func FuzzEscapeToken(f *testing.F) {
	for _, s := range []string{"", "a.b", "_2E", "* >", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok := EscapeToken(s)
		if !natsKeyRe.MatchString(tok) || strings.Contains(tok, ".") {
			t.Fatalf("EscapeToken(%q) = %q", s, tok)
		}
		back, err := UnescapeToken(tok)
		if err != nil || back != s {
			t.Fatalf("round trip %q -> %q -> %q, %v", s, tok, back, err)
		}
		// Anything that unescapes must be the canonical spelling.
		if u, err := UnescapeToken(s); err == nil && EscapeToken(u) != s {
			t.Fatalf("non-canonical token %q accepted", s)
		}
	})
}
