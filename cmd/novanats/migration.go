package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/rpc"
	"github.com/novanats/novanats/pkg/store"
	"github.com/novanats/novanats/services/compute"
)

func newMigrationCommand() *cobra.Command {
	var f opFlags
	cmd := &cobra.Command{Use: "migration", Short: "List, show, abort and force-complete migrations"}
	f.registerOp(cmd)
	cmd.AddCommand(newMigrationListCommand(&f), newMigrationShowCommand(&f),
		newMigrationActionCommand(&f, "abort", "Abort a live migration (queued, preparing or running)",
			[]objects.MigrationStatus{objects.MigrationQueued, objects.MigrationPreparing, objects.MigrationRunning},
			func(ctx context.Context, api *compute.API, inst *objects.Instance, m *objects.Migration) error {
				return api.LiveMigrationAbort(ctx, inst, m.ID.Get())
			}),
		newMigrationActionCommand(&f, "force-complete", "Force a running live migration to complete (pause or post-copy)",
			[]objects.MigrationStatus{objects.MigrationRunning},
			func(ctx context.Context, api *compute.API, inst *objects.Instance, m *objects.Migration) error {
				return api.LiveMigrationForceComplete(ctx, inst, m)
			}))
	return cmd
}

func printMigrations(o *outputFlag, out io.Writer, migs []*objects.Migration) error {
	if migs == nil {
		migs = []*objects.Migration{}
	}
	return o.print(out, migs, func(tw io.Writer) {
		fmt.Fprintln(tw, "ID\tUUID\tINSTANCE\tTYPE\tSTATUS\tSOURCE\tDEST")
		for _, m := range migs {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ID.Get(), m.UUID.Get(), orDash(m.InstanceUUID.Get()), orDash(m.MigrationType.Get()),
				orDash(m.Status.Get()), orDash(m.SourceCompute.Get()), orDash(m.DestCompute.Get()))
		}
	})
}

func newMigrationListCommand(f *opFlags) *cobra.Command {
	var (
		o        outputFlag
		instance string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List migrations, of one instance with --instance",
		Args:  usageArgs(cobra.NoArgs),
		RunE: f.readStore(&o, func(ctx context.Context, st *store.Store, out io.Writer, _ []string) error {
			migs, err := st.Migrations.List(ctx)
			if err != nil {
				return err
			}
			if instance != "" {
				inst, err := findServer(ctx, st, instance)
				if err != nil {
					return err
				}
				var mine []*objects.Migration
				for _, m := range migs {
					if m.InstanceUUID.Get() == inst.UUID.Get() {
						mine = append(mine, m)
					}
				}
				migs = mine
			}
			return printMigrations(&o, out, migs)
		}),
	}
	o.register(cmd.Flags())
	cmd.Flags().StringVar(&instance, "instance", "", "only this server's migrations (uuid or unique name)")
	return cmd
}

func newMigrationShowCommand(f *opFlags) *cobra.Command {
	var o outputFlag
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a migration, by id or uuid",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: f.readStore(&o, func(ctx context.Context, st *store.Store, out io.Writer, args []string) error {
			m, err := findMigration(ctx, st, args[0])
			if err != nil {
				return err
			}
			return o.printFields(out, m, func(row func(string, any)) {
				row("id", m.ID.Get())
				row("uuid", m.UUID.Get())
				row("instance", orDash(m.InstanceUUID.Get()))
				row("type", orDash(m.MigrationType.Get()))
				row("status", orDash(m.Status.Get()))
				row("source", orDash(m.SourceCompute.Get()))
				row("dest", orDash(m.DestCompute.Get()))
				if total, ok := m.MemoryTotal.Lookup(); ok {
					row("memory", fmt.Sprintf("%s remaining of %s", bytesIEC(int64(m.MemoryRemaining.Get())), bytesIEC(int64(total))))
				}
			})
		}),
	}
	o.register(cmd.Flags())
	return cmd
}

// newMigrationActionCommand is abort or force-complete: refused (exit 5)
// unless the migration's status is one of allowed, else sent to the
// compute running the instance.
func newMigrationActionCommand(f *opFlags, verb, short string, allowed []objects.MigrationStatus,
	act func(context.Context, *compute.API, *objects.Instance, *objects.Migration) error) *cobra.Command {
	return &cobra.Command{
		Use:   verb + " ID",
		Short: short,
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, nc, st, done, err := f.session(cmd, 30*time.Second)
			if err != nil {
				return err
			}
			defer done()
			m, err := findMigration(ctx, st, args[0])
			if err != nil {
				return err
			}
			status := m.Status.Get()
			ok := m.IsLiveMigration()
			if ok {
				ok = false
				for _, s := range allowed {
					ok = ok || s == status
				}
			}
			if !ok {
				return withCode(exitConflict, fmt.Errorf("cannot %s migration %d (%s live migration %s): its status must be one of %v", verb, m.ID.Get(), m.MigrationType.Get(), status, allowed))
			}
			inst, err := st.Instances.Get(ctx, m.InstanceUUID.Get())
			if err != nil {
				return refusal("migration "+verb, err)
			}
			api, err := compute.NewAPI(nc, rpc.Caller("novanats-cli"))
			if err != nil {
				return err
			}
			if err := act(operatorContext(ctx), api, inst, m); err != nil {
				return refusal("migration "+verb+" refused", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "migration %d: %s requested on %s\n", m.ID.Get(), verb, inst.Host.Get())
			return nil
		},
	}
}

// findMigration finds a migration by id or uuid; neither is exit 4.
func findMigration(ctx context.Context, st *store.Store, ref string) (*objects.Migration, error) {
	var (
		m   *objects.Migration
		err error
	)
	if id, perr := strconv.Atoi(ref); perr == nil {
		m, err = st.Migrations.Get(ctx, id)
	} else {
		m, err = st.Migrations.GetByUUID(ctx, ref)
	}
	var nf *exception.MigrationNotFound
	if errors.As(err, &nf) {
		return nil, withCode(exitNotFound, fmt.Errorf("no migration %q (by id or uuid)", ref))
	}
	return m, err
}
