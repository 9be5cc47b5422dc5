package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
	"github.com/novanats/novanats/internal/cliutil"
)

// scheme knows the novanats.io types: the client's and the printers' type
// setter's.
var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := novav1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}()

// plugin is what every subcommand shares: the streams, kubectl's
// connection flags, and the client they make.
type plugin struct {
	streams genericiooptions.IOStreams
	flags   *genericclioptions.ConfigFlags
	// tty overrides terminal detection of streams.Out (tests render the
	// progress bar into a buffer with it); nil detects.
	tty *bool
}

func newRootCommand(streams genericiooptions.IOStreams) *cobra.Command {
	return newPlugin(streams).command()
}

func newPlugin(streams genericiooptions.IOStreams) *plugin {
	return &plugin{streams: streams, flags: genericclioptions.NewConfigFlags(true)}
}

// command is the command tree; each subcommand lives in its own file.
func (p *plugin) command() *cobra.Command {
	streams := p.streams
	root := &cobra.Command{
		// The binary is kubectl-nova; users type (and help shows) "kubectl nova".
		Use:         "kubectl-nova",
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl nova"},
		Short:       "Drive novanats live migrations and compute hosts through Kubernetes",
		Long: `kubectl nova creates and steers novanats.io LiveMigrations and ComputeHosts,
which the controller in the novanats conductor turns into nova's live
migrations and service disables. It uses your kubeconfig like kubectl.

Exit codes: 0 ok, 1 the operation failed (a migration ended Failed or
Cancelled), 2 usage, 3 the API server or the novanats.io API is unreachable,
4 not found, 5 the object's state does not allow the action.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetIn(streams.In)
	// A flag that does not parse is a usage error (exit 2), like a bad
	// argument, not a failed operation.
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return withCode(exitUsage, err) })
	p.flags.AddFlags(root.PersistentFlags())
	root.AddCommand(
		newMigrateCommand(p),
		newAbortCommand(p),
		newForceCompleteCommand(p),
		newDrainCommand(p),
		newCordonCommand(p, true),
		newCordonCommand(p, false),
		newHostsCommand(p),
	)
	return root
}

// usageArgs makes an argument count error a usage error (exit 2).
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		return withCode(exitUsage, check(cmd, args))
	}
}

// client is a watching controller-runtime client for the cluster the
// flags name. Its REST mapper is discovered lazily, so a cluster without
// the novanats CRDs fails on first use with a NoKindMatch (exit 3).
func (p *plugin) client() (client.WithWatch, error) {
	cfg, err := p.flags.ToRESTConfig()
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	// Not a controller: warnings (deprecations) go where kubectl puts them.
	cfg.WarningHandler = rest.NewWarningWriter(p.streams.ErrOut, rest.WarningWriterOptions{Deduplicate: true})
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, withCode(exitUnavailable, err)
	}
	return c, nil
}

// namespace is -n, else the kubeconfig context's namespace, else "default".
// clientIn is client and namespace together: what every namespaced command
// needs before it does anything.
func (p *plugin) clientIn() (client.WithWatch, string, error) {
	c, err := p.client()
	if err != nil {
		return nil, "", err
	}
	ns, err := p.namespace()
	if err != nil {
		return nil, "", err
	}
	return c, ns, nil
}

func (p *plugin) namespace() (string, error) {
	ns, _, err := p.flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", withCode(exitUsage, err)
	}
	return ns, nil
}

// isTerminal says whether progress bars (terminal) or plain lines (pipe,
// file, CI log) suit w.
func (p *plugin) isTerminal(w io.Writer) bool {
	if p.tty != nil {
		return *p.tty
	}
	return cliutil.IsTerminal(w)
}

// printFlags is kubectl's -o (json, yaml, name, jsonpath, go-template...)
// for commands that print novanats.io objects; empty is each command's
// human output.
func printFlags(cmd *cobra.Command) *genericclioptions.PrintFlags {
	pf := genericclioptions.NewPrintFlags("").WithTypeSetter(scheme)
	pf.AddFlags(cmd)
	return pf
}

// objectPrinter is the printer -o asks for, or nil for the human output;
// an unknown format is a usage error.
func objectPrinter(pf *genericclioptions.PrintFlags) (func(runtime.Object, io.Writer) error, error) {
	if pf.OutputFormat == nil || *pf.OutputFormat == "" {
		return nil, nil
	}
	pr, err := pf.ToPrinter()
	if err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("-o %s: %w", *pf.OutputFormat, err))
	}
	return pr.PrintObj, nil
}
