package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/novanats/novanats/pkg/devcloud"
	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
	"github.com/novanats/novanats/pkg/store"
)

// opFlags are the flags of the operator's commands: NATS, and the cell's
// subject prefix (which names its state buckets).
type opFlags struct {
	natsFlags
	subjectPrefix string
}

func (f *opFlags) registerOp(cmd *cobra.Command) {
	f.natsFlags.register(cmd.PersistentFlags())
	cmd.PersistentFlags().StringVar(&f.subjectPrefix, "subject-prefix", envOr("NOVANATS_SUBJECT_PREFIX", ""), "the cell's RPC subject prefix, e.g. cell1.")
}

// session is what every operator command starts with: a context bounded
// by timeout, a connection named after the command, and the store. done
// releases them.
func (f *opFlags) session(cmd *cobra.Command, timeout time.Duration) (ctx context.Context, nc *nats.Conn, st *store.Store, done func(), err error) {
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	nc, err = f.connect(cmd.CommandPath())
	if err != nil {
		cancel()
		return nil, nil, nil, nil, err
	}
	st, _, err = devcloud.OpenState(ctx, nc, devcloud.StateConfig{Prefix: bucketPrefix(f.subjectPrefix)})
	if err != nil {
		nc.Close()
		cancel()
		return nil, nil, nil, nil, withCode(exitUnavailable, err)
	}
	return ctx, nc, st, func() { nc.Close(); cancel() }, nil
}

func newServerCommand() *cobra.Command {
	var f opFlags
	cmd := &cobra.Command{Use: "server", Short: "List, show, create and delete instances"}
	f.registerOp(cmd)
	cmd.AddCommand(newServerListCommand(&f), newServerShowCommand(&f), newServerCreateCommand(&f), newServerDeleteCommand(&f), newServerActionListCommand(&f))
	return cmd
}

func newServerListCommand(f *opFlags) *cobra.Command {
	var o outputFlag
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List all instances",
		Args:  usageArgs(cobra.NoArgs),
		RunE: f.readStore(&o, func(ctx context.Context, st *store.Store, out io.Writer, _ []string) error {
			insts, err := st.Instances.List(ctx)
			if err != nil {
				return err
			}
			if insts == nil {
				insts = []*objects.Instance{}
			}
			return o.print(out, insts, func(tw io.Writer) {
				fmt.Fprintln(tw, "UUID\tNAME\tSTATUS\tTASK\tHOST\tMEMORY")
				for _, in := range insts {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", in.UUID.Get(), orDash(in.DisplayName.Get()), orDash(in.VMState.Get()),
						orDash(in.TaskState.Get()), orDash(in.Host.Get()), memMB(in.MemoryMB.Get()))
				}
			})
		}),
	}
	o.register(cmd.Flags())
	return cmd
}

func newServerShowCommand(f *opFlags) *cobra.Command {
	var o outputFlag
	cmd := &cobra.Command{
		Use:   "show SERVER",
		Short: "Show an instance, by uuid or unique name",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: f.readStore(&o, func(ctx context.Context, st *store.Store, out io.Writer, args []string) error {
			in, err := findServer(ctx, st, args[0])
			if err != nil {
				return err
			}
			return o.printFields(out, in, func(row func(string, any)) {
				row("uuid", in.UUID.Get())
				row("name", orDash(in.DisplayName.Get()))
				row("status", orDash(in.VMState.Get()))
				row("task", orDash(in.TaskState.Get()))
				row("power", orDash(in.PowerState.Get()))
				row("host", orDash(in.Host.Get()))
				row("node", orDash(in.Node.Get()))
				row("vcpus", in.VCPUs.Get())
				row("memory", memMB(in.MemoryMB.Get()))
				row("root_gb", in.RootGB.Get())
				if fl, ok := in.Fault.Lookup(); ok && fl != nil {
					row("fault", fl.Message.Get())
				}
			})
		}),
	}
	o.register(cmd.Flags())
	return cmd
}

// readStore is the RunE of a command that reads the store and prints it
// with -o (the list and show commands): -o is checked before connecting,
// and read runs with a session bounded by 30 s.
func (f *opFlags) readStore(o *outputFlag, read func(ctx context.Context, st *store.Store, out io.Writer, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.check(); err != nil {
			return err
		}
		ctx, _, st, done, err := f.session(cmd, 30*time.Second)
		if err != nil {
			return err
		}
		defer done()
		return read(ctx, st, cmd.OutOrStdout(), args)
	}
}

// findServer is store.FindInstance (a uuid, else a unique display name)
// with the CLI's messages and exit codes: none is exitNotFound, several
// of that name is a usage error that says to give the uuid.
func findServer(ctx context.Context, st *store.Store, ref string) (*objects.Instance, error) {
	in, err := st.Instances.FindInstance(ctx, ref)
	var (
		nf  *exception.InstanceNotFound
		amb *store.AmbiguousInstanceName
	)
	switch {
	case errors.As(err, &nf):
		return nil, withCode(exitNotFound, fmt.Errorf("no server %q (by uuid or name)", ref))
	case errors.As(err, &amb):
		return nil, withCode(exitUsage, fmt.Errorf("%d servers are named %q: give the uuid", amb.Count, ref))
	}
	return in, err
}

func memMB(mb int) string {
	if mb == 0 {
		return "-"
	}
	return fmt.Sprintf("%d MiB", mb)
}

// usageArgs makes a wrong number of arguments a usage error (exit 2).
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		return withCode(exitUsage, check(cmd, args))
	}
}
