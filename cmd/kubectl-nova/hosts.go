package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
)

func newHostsCommand(p *plugin) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hosts [HOST...]",
		Short: "List the compute hosts (ComputeHosts): liveness, disabled reason, usage, instances, migrations",
		Long: `hosts lists the ComputeHosts the controller mirrors from nova's service group
and compute nodes, sorted by name, or only the named ones. -o json|yaml|name|
jsonpath=... prints them as kubectl get would.

Exit 4 when a named host does not exist.`,
		Example: `  kubectl nova hosts
  kubectl nova hosts compute-1 -o yaml`,
		Args: usageArgs(cobra.ArbitraryArgs),
	}
	pf := printFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		printObj, err := objectPrinter(pf)
		if err != nil {
			return err
		}
		c, err := p.client()
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		var list novav1.ComputeHostList
		if len(args) == 0 {
			if err := c.List(ctx, &list); err != nil {
				return err
			}
		} else {
			for _, name := range args {
				var ch novav1.ComputeHost
				if err := c.Get(ctx, client.ObjectKey{Name: name}, &ch); err != nil {
					return fmt.Errorf("compute host %s: %w", name, err)
				}
				list.Items = append(list.Items, ch)
			}
		}
		if printObj != nil {
			for i := range list.Items {
				list.Items[i].TypeMeta = metav1.TypeMeta{APIVersion: novav1.GroupVersion.String(), Kind: "ComputeHost"}
			}
			return printObj(&list, p.streams.Out)
		}
		if len(list.Items) == 0 {
			fmt.Fprintln(p.streams.ErrOut, "No compute hosts found.") // where kubectl get says it
			return nil
		}
		tw := tabwriter.NewWriter(p.streams.Out, 0, 4, 3, ' ', 0)
		fmt.Fprintln(tw, "NAME\tUP\tDISABLED\tREASON\tVCPUS\tMEMORY\tINSTANCES\tMIGRATIONS")
		for _, ch := range list.Items {
			st := &ch.Status
			// nova's state (status), which the spec becomes once the
			// controller applied it.
			fmt.Fprintf(tw, "%s\t%t\t%t\t%s\t%s\t%s\t%d\t%d\n", ch.Name, st.Up, st.Disabled, orDash(st.DisabledReason),
				usage(st.VCPUsSummary, st.VCPUs, ""), usage(st.MemorySummary, st.MemoryMB, "Mi"), st.Instances, st.MigrationsInProgress)
		}
		return tw.Flush()
	}
	return cmd
}

// usage is the controller's "used/total" summary, or one made from the
// numbers when it is missing.
func usage(summary string, u *novav1.ResourceUsage, unit string) string {
	switch {
	case summary != "":
		return summary
	case u == nil:
		return "-"
	}
	return strings.TrimSpace(fmt.Sprintf("%d/%d%s", u.Used, u.Total, unit))
}
