package kubecontroller

import (
	"context"
	"log/slog"
	"time"

	"github.com/novanats/novanats/pkg/db"
)

// followStore calls fn with every record of a JetStream watch (the current
// ones first, then each change) until ctx ends. A watch ends when its NATS
// connection drops; it is started again, with a growing pause between
// failed starts, and replays the current records, so nothing changed
// while it was down goes unseen.
func followStore[T any](ctx context.Context, log *slog.Logger, what string,
	watch func(context.Context) (<-chan db.Update[T], error), fn func(T)) error {
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		ch, err := watch(ctx)
		if err == nil {
			pause = 100 * time.Millisecond
			for u := range ch {
				if u.Err != nil || u.Deleted {
					continue
				}
				fn(u.Value)
			}
			if ctx.Err() != nil {
				break
			}
			log.Warn("watch ended; watching again", "what", what)
		} else {
			log.Warn("watch failed; retrying", "what", what, "error", err, "in", pause)
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		pause = min(2*pause, 10*time.Second)
	}
	return nil
}
