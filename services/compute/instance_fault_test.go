package compute

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/novanats/novanats/pkg/objects"
)

func TestNewFault(t *testing.T) {
	cause := fmt.Errorf("spawn: %w", errors.New(strings.Repeat("é", 200)))
	f := newFault("3f1b2c4d-1111-4222-8333-444455556666", "cmp1", cause)
	msg := f.Message.Get()
	if len(msg) > faultMessageMax || !utf8.ValidString(msg) || !strings.HasPrefix(msg, "spawn: é") {
		t.Errorf("message %q (%d bytes): want at most %d bytes of valid UTF-8", msg, len(msg), faultMessageMax)
	}
	if f.Code.Get() != 500 || f.Host.Get() != "cmp1" || f.Details.Get() != cause.Error() {
		t.Errorf("fault %s", f)
	}
	upd := errorUpdate("3f1b2c4d-1111-4222-8333-444455556666")
	if changed := upd.ObjWhatChanged(); len(changed) != 2 || upd.VMState.Get() != objects.VMStateError {
		t.Errorf("error update changes %v", changed)
	}
}
