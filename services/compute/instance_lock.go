package compute

import (
	"context"
	"sync"
)

// instanceLocks serialise the operations on one instance, as nova's
// @utils.synchronized(instance.uuid) does: a terminate that arrives while
// the build of the same instance runs waits for the build to end, then
// deletes what it built. Operations on different instances never wait for
// each other. An entry lives only while someone holds or waits for it.
type instanceLocks struct {
	mu    sync.Mutex
	locks map[string]*instanceLock
}

type instanceLock struct {
	sem  chan struct{} // capacity 1: holding the lock is holding the token
	refs int           // holders and waiters
}

// lock takes the lock of uuid, or gives up with ctx's error; the returned
// func releases it.
func (l *instanceLocks) lock(ctx context.Context, uuid string) (unlock func(), err error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*instanceLock{}
	}
	e := l.locks[uuid]
	if e == nil {
		e = &instanceLock{sem: make(chan struct{}, 1)}
		l.locks[uuid] = e
	}
	e.refs++
	l.mu.Unlock()

	select {
	case e.sem <- struct{}{}:
		return func() {
			<-e.sem
			l.drop(uuid, e)
		}, nil
	case <-ctx.Done():
		l.drop(uuid, e)
		return nil, ctx.Err()
	}
}

func (l *instanceLocks) drop(uuid string, e *instanceLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.refs--
	if e.refs == 0 {
		delete(l.locks, uuid)
	}
}

// held is the number of instances locked or waited for, for tests.
func (l *instanceLocks) held() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.locks)
}
