package db

import (
	"fmt"
	"strings"
)

// Key is a record key in its escaped, NATS-safe form: one or more tokens
// joined by '.', each token produced by EscapeToken. Build keys with KeyOf so
// that a value containing '.', ' ', '*' or '>' stays inside its own token:
//
//	KeyOf("compute-1.example.com", "nova-compute") == "compute-1_2Eexample_2Ecom.nova-compute"
//
// Multi-part keys give a hierarchy that ListPrefix and WatchPrefix can select
// on the server side (e.g. instance actions keyed by instance uuid, then
// request id). The table validates every Key it is given and rejects any that
// is not canonical, so a hand-written Key cannot create extra tokens or reach
// NATS with a wildcard.
type Key string

// KeyOf escapes each part into one token and joins them. KeyOf() is the empty
// key, which only ListPrefix and WatchPrefix accept (meaning "everything").
func KeyOf(parts ...string) Key {
	toks := make([]string, len(parts))
	for i, p := range parts {
		toks[i] = EscapeToken(p)
	}
	return Key(strings.Join(toks, "."))
}

// Parts decodes the key back into the strings given to KeyOf.
func (k Key) Parts() ([]string, error) {
	if k == "" {
		return nil, nil
	}
	toks := strings.Split(string(k), ".")
	out := make([]string, len(toks))
	for i, t := range toks {
		s, err := UnescapeToken(t)
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrInvalidKey, string(k), err)
		}
		out[i] = s
	}
	return out, nil
}

// Append returns k with more escaped parts at the end.
func (k Key) Append(parts ...string) Key {
	if k == "" {
		return KeyOf(parts...)
	}
	if len(parts) == 0 {
		return k
	}
	return k + "." + KeyOf(parts...)
}

func (k Key) String() string { return string(k) }

// validate accepts exactly the keys KeyOf can produce from at least one part.
func (k Key) validate() error {
	if k == "" {
		return fmt.Errorf("%w: empty key", ErrInvalidKey)
	}
	for _, t := range strings.Split(string(k), ".") {
		if err := validToken(t); err != nil {
			return fmt.Errorf("%w: %q: %v", ErrInvalidKey, string(k), err)
		}
	}
	return nil
}

// validatePrefix is validate, with the empty key allowed.
func (k Key) validatePrefix() error {
	if k == "" {
		return nil
	}
	return k.validate()
}

// The escaping scheme. A token keeps the bytes [A-Za-z0-9-] as they are; every
// other byte (including '_' itself, '.', '/', '=', space, '*', '>' and each
// byte of a multi-byte UTF-8 rune) becomes '_' followed by two upper-case hex
// digits. The empty string becomes the lone token "_", which no other input
// can produce because an escape always has two digits after '_'. The mapping
// is a bijection onto the canonical tokens, so a key has exactly one spelling
// and two different strings can never share a subject. It also preserves
// prefixes byte for byte, and keeps uuids and most host names readable.
const hexDigits = "0123456789ABCDEF"

func unreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}

// EscapeToken maps an arbitrary string to one KV key token (see Key).
func EscapeToken(s string) string {
	if s == "" {
		return "_"
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('_')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0x0f])
	}
	return b.String()
}

// UnescapeToken is the inverse of EscapeToken. It rejects every token that
// EscapeToken would not have produced (lower-case hex, escaped unreserved
// bytes, stray characters), which keeps the spelling of a key unique.
func UnescapeToken(tok string) (string, error) {
	if err := validToken(tok); err != nil {
		return "", err
	}
	if tok == "_" {
		return "", nil
	}
	if !strings.Contains(tok, "_") {
		return tok, nil
	}
	var b strings.Builder
	b.Grow(len(tok))
	for i := 0; i < len(tok); i++ {
		if tok[i] != '_' {
			b.WriteByte(tok[i])
			continue
		}
		b.WriteByte(unhex(tok[i+1])<<4 | unhex(tok[i+2]))
		i += 2
	}
	return b.String(), nil
}

func validToken(tok string) error {
	if tok == "" {
		return fmt.Errorf("empty token")
	}
	if tok == "_" {
		return nil
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if unreserved(c) {
			continue
		}
		if c != '_' {
			return fmt.Errorf("byte %q must be escaped", c)
		}
		if i+2 >= len(tok) || !isUpperHex(tok[i+1]) || !isUpperHex(tok[i+2]) {
			return fmt.Errorf("bad escape at offset %d", i)
		}
		if unreserved(unhex(tok[i+1])<<4 | unhex(tok[i+2])) {
			return fmt.Errorf("escape at offset %d encodes an unreserved byte", i)
		}
		i += 2
	}
	return nil
}

func isUpperHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'A' + 10
}
