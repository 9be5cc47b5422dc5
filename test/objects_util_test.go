package test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/novanats/novanats/pkg/objects"
)

func asJSONObj(t *testing.T, o objects.Object) string {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func contains(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }

func contextWithTimeout(ctx context.Context, seconds int) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, time.Duration(seconds)*time.Second)
}
