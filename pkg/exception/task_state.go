package exception

import (
	"fmt"
	"strings"

	"github.com/novanats/novanats/pkg/objects"
)

// NoTaskState stands for a null task_state (nova's None) in a list of
// expected task states and in UnexpectedTaskState.Actual. No real task
// state is the empty string.
const NoTaskState objects.TaskState = ""

// UnexpectedTaskState is nova's UnexpectedTaskStateError: a save that
// expected the stored task_state to be one of Expected found Actual, and
// wrote nothing. It is how two services racing to start an operation on one
// instance learn that the other got there first.
type UnexpectedTaskState struct {
	InstanceUUID string              `msgpack:"instance_uuid"`
	Expected     []objects.TaskState `msgpack:"expected"`
	Actual       objects.TaskState   `msgpack:"actual"`
}

func (e *UnexpectedTaskState) Error() string {
	want := make([]string, len(e.Expected))
	for i, s := range e.Expected {
		want[i] = taskStateString(s)
	}
	return fmt.Sprintf("Conflict updating instance %s. Expected: task_state in [%s]. Actual: %s",
		e.InstanceUUID, strings.Join(want, ", "), taskStateString(e.Actual))
}

// UnexpectedDeletingTaskState is nova's UnexpectedDeletingTaskStateError:
// the same conflict, against an instance being deleted, which callers
// usually treat as "stop, the user deleted it". errors.As also finds the
// *UnexpectedTaskState inside it.
type UnexpectedDeletingTaskState struct {
	UnexpectedTaskState `msgpack:"conflict"`
}

func (e *UnexpectedDeletingTaskState) Unwrap() error { return &e.UnexpectedTaskState }

// CheckTaskState returns nil when actual is one of expected, or when
// expected is empty (no expectation, nova's expected_task_state=None); the
// typed conflict otherwise.
func CheckTaskState(instanceUUID string, actual objects.TaskState, expected []objects.TaskState) error {
	if len(expected) == 0 {
		return nil
	}
	for _, s := range expected {
		if s == actual {
			return nil
		}
	}
	conflict := UnexpectedTaskState{InstanceUUID: instanceUUID, Expected: append([]objects.TaskState(nil), expected...), Actual: actual}
	if actual == objects.TaskDeleting {
		return &UnexpectedDeletingTaskState{conflict}
	}
	return &conflict
}

func taskStateString(s objects.TaskState) string {
	if s == NoTaskState {
		return "None"
	}
	return "'" + string(s) + "'"
}
