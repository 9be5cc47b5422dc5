package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/novanats/novanats/pkg/db"
	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
)

// InstanceActions stores each InstanceAction with its events in one record
// keyed by instance uuid and request id, so that listing the actions of an
// instance is a prefix scan and adding an event is one compare-and-swap on
// its action: two computes reporting events of one request at once (source
// and destination of a live migration) both get theirs in.
type InstanceActions struct {
	store *Store
	t     *db.Table[*actionRecord]
}

type actionRecord struct {
	action *objects.InstanceAction
	events []*objects.InstanceActionEvent
}

// actionWire is how an actionRecord is stored.
type actionWire struct {
	Action objects.Primitive   `msgpack:"action"`
	Events []objects.Primitive `msgpack:"events"`
}

func actionCodec() db.Codec[*actionRecord] {
	return db.Codec[*actionRecord]{
		Encode: func(r *actionRecord) ([]byte, error) {
			var w actionWire
			var err error
			if w.Action, err = storedPrimitive(r.action); err != nil {
				return nil, err
			}
			for _, e := range r.events {
				p, err := storedPrimitive(e)
				if err != nil {
					return nil, err
				}
				w.Events = append(w.Events, p)
			}
			return msgpack.Marshal(&w)
		},
		Decode: func(b []byte) (*actionRecord, error) {
			var w actionWire
			if err := msgpack.Unmarshal(b, &w); err != nil {
				return nil, err
			}
			a, err := fromPrimitive[objects.InstanceAction](w.Action)
			if err != nil {
				return nil, err
			}
			r := &actionRecord{action: a}
			for _, p := range w.Events {
				e, err := fromPrimitive[objects.InstanceActionEvent](p)
				if err != nil {
					return nil, err
				}
				r.events = append(r.events, e)
			}
			return r, nil
		},
	}
}

func newInstanceActions(s *Store, attempts int) (*InstanceActions, error) {
	t, err := db.NewTable(s.db, db.TableConfig[*actionRecord]{Bucket: "instance_actions", Codec: actionCodec(), MaxAttempts: attempts})
	if err != nil {
		return nil, err
	}
	return &InstanceActions{store: s, t: t}, nil
}

func (s *InstanceActions) notFound(instanceUUID, requestID string, err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return &exception.InstanceActionNotFound{RequestID: requestID, InstanceUUID: instanceUUID}
	}
	return wrapDB("instance action", err)
}

// Start records a new action (nova's InstanceAction.action_start): a must
// have instance_uuid, request_id and action, and no id. start_time defaults
// to now. On success a has its id and timestamps.
func (s *InstanceActions) Start(ctx context.Context, a *objects.InstanceAction) error {
	if a.ID.IsSet() {
		return &exception.ObjectActionError{Action: "create", Reason: "already created"}
	}
	rec, err := checked[objects.InstanceAction](a)
	if err != nil {
		return actionError("create", err)
	}
	uuid, err1 := nonEmpty("instance_uuid", &rec.InstanceUUID)
	req, err2 := nonEmpty("request_id", &rec.RequestID)
	_, err3 := nonEmpty("action", &rec.Action)
	if err := errors.Join(err1, err2, err3); err != nil {
		return actionError("create", fmt.Errorf("InstanceAction: %w", err))
	}
	if err := rec.ObjSetDefaults(); err != nil {
		return actionError("create", err)
	}
	id, err := s.store.seq.next(ctx, "instance_actions")
	if err != nil {
		return err
	}
	now := s.store.Now()
	rec.ID.Set(id)
	if !rec.StartTime.IsSet() || rec.StartTime.IsNull() {
		rec.StartTime.Set(now)
	}
	rec.CreatedAt.Set(now)
	if _, err := s.t.Create(ctx, db.KeyOf(uuid, req), &actionRecord{action: rec}); err != nil {
		if errors.Is(err, db.ErrExists) {
			return &exception.ObjectActionError{Action: "create", Reason: fmt.Sprintf("an action for request %s on instance %s already exists", req, uuid)}
		}
		return wrapDB("create instance action", err)
	}
	return adopt(a, rec)
}

// Get returns the action of a request on an instance (nova's
// InstanceAction.get_by_request_id), or *exception.InstanceActionNotFound.
func (s *InstanceActions) Get(ctx context.Context, instanceUUID, requestID string) (*objects.InstanceAction, error) {
	r, _, err := s.t.Get(ctx, db.KeyOf(instanceUUID, requestID))
	if err != nil {
		return nil, s.notFound(instanceUUID, requestID, err)
	}
	return r.action, nil
}

// Finish sets the action's finish_time (nova's action_finish).
func (s *InstanceActions) Finish(ctx context.Context, instanceUUID, requestID string) (*objects.InstanceAction, error) {
	r, err := s.t.Mutate(ctx, db.KeyOf(instanceUUID, requestID), func(r *actionRecord) (*actionRecord, error) {
		now := s.store.Now()
		r.action.FinishTime.Set(now)
		r.action.UpdatedAt.Set(now)
		return r, nil
	})
	if err != nil {
		return nil, s.notFound(instanceUUID, requestID, err)
	}
	return r.action, nil
}

// ListByInstance returns the actions of an instance newest first (by
// start_time, then id), as nova's InstanceActionList.get_by_instance_uuid
// and `server event list` order them.
func (s *InstanceActions) ListByInstance(ctx context.Context, instanceUUID string) ([]*objects.InstanceAction, error) {
	entries, err := s.t.ListPrefix(ctx, db.KeyOf(instanceUUID))
	out := make([]*objects.InstanceAction, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.Value.action)
	}
	slices.SortStableFunc(out, func(a, b *objects.InstanceAction) int {
		ta, tb := a.StartTime.Get(), b.StartTime.Get()
		if c := tb.Compare(ta); c != 0 {
			return c
		}
		return b.ID.Get() - a.ID.Get()
	})
	return out, wrapDB("list instance actions", err)
}

// EventStart adds an event to the action of a request (nova's
// action_event_start): ev must name its event and have no id; start_time
// defaults to now, and becomes the action's updated_at. *exception.InstanceActionNotFound if the request has no
// action on that instance.
func (s *InstanceActions) EventStart(ctx context.Context, instanceUUID, requestID string, ev *objects.InstanceActionEvent) error {
	if ev.ID.IsSet() {
		return &exception.ObjectActionError{Action: "event_start", Reason: "already created"}
	}
	rec, err := checked[objects.InstanceActionEvent](ev)
	if err != nil {
		return actionError("event_start", err)
	}
	if _, err := nonEmpty("event", &rec.Event); err != nil {
		return actionError("event_start", fmt.Errorf("InstanceActionEvent: %w", err))
	}
	if _, err := s.Get(ctx, instanceUUID, requestID); err != nil {
		return err // before an id is spent
	}
	id, err := s.store.seq.next(ctx, "instance_action_events")
	if err != nil {
		return err
	}
	now := s.store.Now()
	rec.ID.Set(id)
	rec.CreatedAt.Set(now)
	if !rec.StartTime.IsSet() || rec.StartTime.IsNull() {
		rec.StartTime.Set(now)
	}
	if err := rec.ObjSetDefaults(); err != nil {
		return actionError("event_start", err)
	}
	_, err = s.t.Mutate(ctx, db.KeyOf(instanceUUID, requestID), func(r *actionRecord) (*actionRecord, error) {
		rec.ActionID.Set(r.action.ID.Get())
		r.events = append(r.events, rec)
		// Nova's action_event_start moves the action's updated_at to the
		// event's start: an action's updated_at is its latest activity
		// (API microversion 2.58 shows and filters on it).
		r.action.UpdatedAt.Set(rec.StartTime.Get())
		return r, nil
	})
	if err != nil {
		return s.notFound(instanceUUID, requestID, err)
	}
	return adopt(ev, rec)
}

// EventFinish finishes the newest unfinished event named fin.Event of the
// request's action with fin's result, traceback and details (nova's
// action_event_finish); finish_time defaults to now. The action's
// updated_at becomes the event's finish_time, and a result of "Error" also
// sets the action's message to "Error", as nova does, so that `server
// event list` shows which action failed. On success fin is the stored
// event.
func (s *InstanceActions) EventFinish(ctx context.Context, instanceUUID, requestID string, fin *objects.InstanceActionEvent) error {
	name, err := nonEmpty("event", &fin.Event)
	if err != nil {
		return actionError("event_finish", fmt.Errorf("InstanceActionEvent: %w", err))
	}
	if _, err := storedPrimitive(fin); err != nil {
		return actionError("event_finish", err)
	}
	var done *objects.InstanceActionEvent
	_, err = s.t.Mutate(ctx, db.KeyOf(instanceUUID, requestID), func(r *actionRecord) (*actionRecord, error) {
		i := -1
		for j, e := range slices.Backward(r.events) {
			if e.Event.Get() == name && (!e.FinishTime.IsSet() || e.FinishTime.IsNull()) {
				i = j
				break
			}
		}
		if i < 0 {
			return nil, &exception.InstanceActionEventNotFound{ActionID: r.action.ID.Get(), Event: name}
		}
		now := s.store.Now()
		e, err := checked[objects.InstanceActionEvent](r.events[i])
		if err != nil {
			return nil, err
		}
		e.FinishTime.Set(now)
		if t, ok := fin.FinishTime.Lookup(); ok {
			e.FinishTime.Set(t)
		}
		copyIfSet(&e.Result, &fin.Result)
		copyIfSet(&e.Traceback, &fin.Traceback)
		copyIfSet(&e.Details, &fin.Details)
		copyIfSet(&e.Host, &fin.Host)
		e.UpdatedAt.Set(now)
		r.events[i] = e
		if strings.EqualFold(e.Result.Get(), objects.EventResultError) {
			r.action.Message.Set("Error")
		}
		// As nova's action_event_finish: the action's updated_at is the
		// finish of its latest event. Its finish_time stays unset, as in
		// nova, where nothing calls action_finish.
		r.action.UpdatedAt.Set(e.FinishTime.Get())
		done = e
		return r, nil
	})
	if err != nil {
		var nf *exception.InstanceActionEventNotFound
		if errors.As(err, &nf) {
			return err
		}
		return s.notFound(instanceUUID, requestID, err)
	}
	return adopt(fin, done)
}

// Events returns the events of the request's action in the order they
// started.
func (s *InstanceActions) Events(ctx context.Context, instanceUUID, requestID string) ([]*objects.InstanceActionEvent, error) {
	r, _, err := s.t.Get(ctx, db.KeyOf(instanceUUID, requestID))
	if err != nil {
		return nil, s.notFound(instanceUUID, requestID, err)
	}
	return r.events, nil
}

func copyIfSet[T any](dst, src *objects.Nullable[T]) {
	if !src.IsSet() {
		return
	}
	if src.IsNull() {
		dst.SetNull()
		return
	}
	dst.Set(src.Get())
}
