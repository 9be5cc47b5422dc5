package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/compute/virt"
	"github.com/novanats/novanats/services/conductor"
)

func newLiveMigrateCommand() *cobra.Command {
	var (
		f    opFlags
		host string
		wait bool
	)
	cmd := &cobra.Command{
		Use:   "live-migrate SERVER",
		Short: "Live-migrate an instance (the scheduler picks the destination unless --host)",
		Long: `live-migrate asks the conductor to live-migrate SERVER (uuid or unique
name). With --wait it follows the migration to its end and exits 0 only
when it completed. Exit 5 when the instance's state refuses the migration,
4 when there is no such server.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			ctx, nc, st, done, err := f.session(cmd, 30*time.Second)
			if err != nil {
				return err
			}
			defer done()
			inst, err := findServer(ctx, st, args[0])
			if err != nil {
				return err
			}
			tasks, err := conductor.NewTaskAPI(nc, rpc.Caller("novanats-cli"))
			if err != nil {
				return err
			}
			rctx := operatorContext(ctx)
			mig, err := tasks.MigrateServer(rctx, conductor.LiveMigrateInstanceArgs{InstanceUUID: inst.UUID.Get(), Host: host})
			if err != nil {
				return refusal("live migration refused", err)
			}
			// The request id names the whole flow: `rpc tap --request-id`
			// and `server action-list` find it by it.
			rc, _ := rpc.RequestContextFrom(rctx)
			fmt.Fprintf(out, "live migration %s (id %d) of %s started: %s -> %s (request %s)\n", mig.UUID.Get(), mig.ID.Get(), inst.UUID.Get(),
				mig.SourceCompute.Get(), orDash(mig.DestCompute.Get()), rc.RequestID)
			if !wait {
				return nil
			}
			// The wait is not bounded by the session's timeout: a
			// migration takes as long as it takes.
			final, err := followMigration(cmd.Context(), out, st, mig.ID.Get(), nil)
			if err != nil {
				return err
			}
			if s := final.Status.Get(); s != objects.MigrationCompleted {
				return fmt.Errorf("migration %s ended %s", final.UUID.Get(), s)
			}
			return nil
		},
	}
	f.registerOp(cmd)
	cmd.Flags().StringVar(&host, "host", "", "destination host (checked by the scheduler)")
	cmd.Flags().BoolVar(&wait, "wait", false, "follow the migration to its end")
	return cmd
}

// operatorContext is a new request from the operator's CLI.
func operatorContext(ctx context.Context) context.Context {
	rc := rpc.NewRequestContext()
	rc.UserID, rc.ProjectID = "novanats-cli", "admin"
	return rpc.StartTrace(rpc.WithRequestContext(ctx, rc))
}

// refusal turns a service's error into one line, with exit 5 when the
// object's state refused the action and 4 when it is gone.
func refusal(what string, err error) error {
	line := fmt.Errorf("%s: %s", what, remoteMessage(err))
	var (
		uts *exception.UnexpectedTaskState
		iis *exception.InstanceInvalidState
		pce *virt.MigrationPreCheckError
		inf *exception.InstanceNotFound
		mnf *exception.MigrationNotFound
	)
	switch {
	case errors.As(err, &uts), errors.As(err, &iis), errors.As(err, &pce):
		return withCode(exitConflict, line)
	case errors.As(err, &inf), errors.As(err, &mnf):
		return withCode(exitNotFound, line)
	}
	return line
}

// remoteMessage is err in one line: a service's error as its type and
// message, without the RPC's wrapping.
func remoteMessage(err error) string {
	var re *rpc.RemoteError
	if errors.As(err, &re) {
		return re.Type + ": " + re.Message
	}
	return err.Error()
}
