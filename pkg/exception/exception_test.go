package exception

import (
	"errors"
	"strings"
	"testing"

	"github.com/novanats/novanats/pkg/objects"
)

func TestCheckTaskState(t *testing.T) {
	if err := CheckTaskState("u", objects.TaskMigrating, nil); err != nil {
		t.Fatalf("no expectation: %v", err)
	}
	if err := CheckTaskState("u", NoTaskState, []objects.TaskState{NoTaskState}); err != nil {
		t.Fatalf("null expected and found: %v", err)
	}
	err := CheckTaskState("u", objects.TaskMigrating, []objects.TaskState{NoTaskState, objects.TaskRebooting})
	var ute *UnexpectedTaskState
	if !errors.As(err, &ute) || ute.Actual != objects.TaskMigrating {
		t.Fatalf("mismatch: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "[None, 'rebooting']") || !strings.Contains(msg, "Actual: 'migrating'") {
		t.Fatalf("message: %s", msg)
	}
	err = CheckTaskState("u", objects.TaskDeleting, []objects.TaskState{NoTaskState})
	var del *UnexpectedDeletingTaskState
	if !errors.As(err, &del) || !errors.As(err, &ute) {
		t.Fatalf("deleting: %v", err)
	}
}

func TestNotFoundFamily(t *testing.T) {
	for _, err := range []error{
		&InstanceNotFound{InstanceID: "x"}, &MigrationNotFound{}, &ComputeHostNotFound{},
		&ComputeNodeNotFound{}, &HostBinaryNotFound{}, &InstanceActionNotFound{}, &InstanceActionEventNotFound{},
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%T is not ErrNotFound", err)
		}
	}
	if errors.Is(&ObjectActionError{}, ErrNotFound) {
		t.Error("ObjectActionError is ErrNotFound")
	}
}
