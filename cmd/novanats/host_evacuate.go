package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/services/conductor"
)

// evacuateRow is one instance of host evacuate-live: novaclient's Server
// UUID, Live Migration Accepted and Error Message, with the migration it
// started and its status when last seen (the final one with --wait).
type evacuateRow struct {
	ServerUUID    string `json:"server_uuid"`
	Name          string `json:"name"`
	Accepted      bool   `json:"live_migration_accepted"`
	ErrorMessage  string `json:"error_message"`
	MigrationID   int    `json:"migration_id,omitempty"`
	MigrationUUID string `json:"migration_uuid,omitempty"`
	Status        string `json:"status,omitempty"`
	DestHost      string `json:"dest_host,omitempty"`
}

func newHostEvacuateLiveCommand(f *opFlags) *cobra.Command {
	var (
		o             outputFlag
		target        string
		maxConcurrent int
		wait          bool
	)
	cmd := &cobra.Command{
		Use:   "evacuate-live HOST",
		Short: "Live-migrate every instance away from HOST (novaclient's host-evacuate-live)",
		Long: `evacuate-live asks the conductor to live-migrate each instance on HOST, one
request after the other, and reports per instance whether the live migration
was accepted, with the error when it was not (novaclient's host-evacuate-live
table). The scheduler picks each destination unless --target-host.

--max-concurrent 0 (the default) requests every migration at once, as
novaclient does: the source compute then runs max_concurrent_live_migrations
of them at a time (nova's default, 1) and queues the rest. --max-concurrent N
keeps at most N of them requested and unfinished, waiting for one to end
before asking for the next.

--wait follows every migration to its end and reports the final states.
Progress and status lines go to stdout with -o table, to stderr with -o json
or yaml. Disable HOST first ('novanats host disable HOST') so that nothing
new lands there meanwhile.

Exit 0 when every migration was accepted (and, with --wait, completed); 1
when one was not; 4 when HOST (or --target-host) is not a compute host.`,
		Example: `  novanats host disable compute-1 --reason maintenance
  novanats host evacuate-live compute-1 --wait
  novanats host evacuate-live compute-1 --target-host compute-3 -o json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(); err != nil {
				return err
			}
			host := args[0]
			if maxConcurrent < 0 {
				return withCode(exitUsage, fmt.Errorf("--max-concurrent %d: want 0 (no limit) or more", maxConcurrent))
			}
			if target == host {
				return withCode(exitUsage, fmt.Errorf("--target-host %s is the host being evacuated", target))
			}
			ctx, nc, st, done, err := f.session(cmd, 30*time.Second)
			if err != nil {
				return err
			}
			defer done()
			for _, h := range []string{host, target} {
				if h == "" {
					continue
				}
				if _, err := st.Services.Get(ctx, h, "nova-compute"); err != nil {
					return noHost(h, err)
				}
			}
			insts, err := st.Instances.ListByHost(ctx, host)
			if err != nil {
				return err
			}
			slices.SortFunc(insts, func(a, b *objects.Instance) int {
				return cmp.Or(cmp.Compare(a.DisplayName.Get(), b.DisplayName.Get()), cmp.Compare(a.UUID.Get(), b.UUID.Get()))
			})
			tasks, err := conductor.NewTaskAPI(nc, rpc.Caller("novanats-cli"))
			if err != nil {
				return err
			}

			// Progress goes where it does not mix with JSON or YAML.
			progress := cmd.OutOrStdout()
			if o.format != "table" {
				progress = cmd.ErrOrStderr()
			}
			// The follower watches the migrations when something waits
			// for them to end: --wait, or a free slot of --max-concurrent.
			// Neither is bounded by the session's timeout.
			var fol *follower
			if wait || maxConcurrent > 0 {
				fol = newFollower(cmd.Context(), progress, st, nil)
				fol.several = len(insts) > 1
				defer fol.close()
			}
			rows := make([]evacuateRow, len(insts))
			byMigration := map[int]*evacuateRow{}
			seen := func(m *objects.Migration) {
				if r := byMigration[m.ID.Get()]; r != nil {
					r.Status, r.DestHost = string(m.Status.Get()), m.DestCompute.Get()
				}
			}
			awaitOne := func() error {
				m, err := fol.next()
				if err != nil {
					return err
				}
				seen(m)
				return nil
			}
			for i, in := range insts {
				r := &rows[i]
				r.ServerUUID, r.Name = in.UUID.Get(), in.DisplayName.Get()
				for maxConcurrent > 0 && fol.pending() >= maxConcurrent {
					if err := awaitOne(); err != nil {
						return err
					}
				}
				mig, err := tasks.MigrateServer(operatorContext(cmd.Context()), conductor.LiveMigrateInstanceArgs{InstanceUUID: r.ServerUUID, Host: target})
				if err != nil {
					r.ErrorMessage = "Error while live migrating instance: " + remoteMessage(err)
					if fol != nil {
						fmt.Fprintf(progress, "  server %s (%s): live migration refused\n", r.ServerUUID, orDash(r.Name))
					}
					continue
				}
				r.Accepted = true
				r.MigrationID, r.MigrationUUID = mig.ID.Get(), mig.UUID.Get()
				byMigration[r.MigrationID] = r
				seen(mig)
				if fol != nil {
					fmt.Fprintf(progress, "  server %s (%s): live migration %s accepted\n", r.ServerUUID, orDash(r.Name), r.MigrationUUID)
					if err := fol.add(r.MigrationID); err != nil {
						return err
					}
				}
			}
			for wait && fol.pending() > 0 {
				if err := awaitOne(); err != nil {
					return err
				}
			}

			out := cmd.OutOrStdout()
			if len(rows) == 0 && o.format == "table" {
				fmt.Fprintf(out, "no instances on %s\n", host)
				return nil
			}
			if err := o.print(out, rows, func(tw io.Writer) {
				fmt.Fprintln(tw, "SERVER UUID\tNAME\tLIVE MIGRATION ACCEPTED\tMIGRATION\tSTATUS\tDEST\tERROR MESSAGE")
				for _, r := range rows {
					fmt.Fprintf(tw, "%s\t%s\t%t\t%s\t%s\t%s\t%s\n", r.ServerUUID, orDash(r.Name), r.Accepted, orDash(r.MigrationUUID),
						orDash(r.Status), orDash(r.DestHost), orDash(r.ErrorMessage))
				}
			}); err != nil {
				return err
			}
			return evacuateOutcome(host, rows, wait)
		},
	}
	o.register(cmd.Flags())
	cmd.Flags().StringVar(&target, "target-host", "", "destination of every migration (checked by the scheduler); default: the scheduler picks")
	cmd.Flags().IntVar(&maxConcurrent, "max-concurrent", 0, "most migrations requested and unfinished at a time; 0: request all at once")
	cmd.Flags().BoolVar(&wait, "wait", false, "follow every migration to its end and report the final states")
	return cmd
}

// evacuateOutcome is nil when every migration was accepted and, after
// --wait, completed; otherwise one line counting those that were not.
func evacuateOutcome(host string, rows []evacuateRow, waited bool) error {
	var refused, unfinished int
	for _, r := range rows {
		switch {
		case !r.Accepted:
			refused++
		case waited && r.Status != string(objects.MigrationCompleted):
			unfinished++
		}
	}
	var what []string
	if refused > 0 {
		what = append(what, fmt.Sprintf("%d not accepted", refused))
	}
	if unfinished > 0 {
		what = append(what, fmt.Sprintf("%d did not complete (why: 'novanats server action-list SERVER --events')", unfinished))
	}
	if len(what) == 0 {
		return nil
	}
	return fmt.Errorf("evacuate-live %s: of %d live migrations, %s", host, len(rows), strings.Join(what, ", "))
}
