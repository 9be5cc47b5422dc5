package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
)

// defaultCordonReason is the disabled reason when --reason is not given.
const defaultCordonReason = "cordoned with kubectl nova"

func newCordonCommand(p *plugin, disable bool) *cobra.Command {
	var (
		reason  string
		wait    bool
		timeout time.Duration
	)
	use, short := "uncordon HOST", "Enable a compute host again (spec.disabled=false): the scheduler may place instances on it"
	if disable {
		use, short = "cordon HOST", "Disable a compute host (spec.disabled=true): the scheduler places nothing new on it"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + `.

The command sets the ComputeHost's spec and, unless --wait=false, waits until
the controller has applied it in nova (status.disabled matches), at most
--timeout. Instances on the host keep running; kubectl nova drain moves them.

Exit 4 when HOST is not a compute host; 1 when the controller did not apply
the change within --timeout.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := p.client()
			if err != nil {
				return err
			}
			if !disable {
				reason = ""
			} else if reason == "" {
				reason = defaultCordonReason
			}
			ch, err := setDisabled(cmd.Context(), c, args[0], disable, reason)
			if err != nil {
				return err
			}
			if wait {
				if ch, err = awaitDisabled(cmd.Context(), c, ch, timeout); err != nil {
					return err
				}
			}
			state := "enabled"
			if disable {
				state = fmt.Sprintf("disabled (%s)", reason)
			}
			if !wait {
				state += ", once the controller applies it"
			}
			fmt.Fprintf(p.streams.Out, "computehost/%s %s\n", ch.Name, state)
			return nil
		},
	}
	if disable {
		cmd.Flags().StringVar(&reason, "reason", "", "disabled reason shown with the host (default \""+defaultCordonReason+"\")")
	}
	cmd.Flags().BoolVar(&wait, "wait", true, "wait until the controller has applied it in nova")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long --wait waits")
	return cmd
}

// setDisabled patches the ComputeHost's spec.disabled and reason (enabling
// clears the reason, as nova does) and returns it as stored.
func setDisabled(ctx context.Context, c client.Client, host string, disable bool, reason string) (*novav1.ComputeHost, error) {
	spec := map[string]any{"disabled": disable, "disabledReason": nil}
	if disable {
		spec["disabledReason"] = reason
	}
	body, err := json.Marshal(map[string]any{"spec": spec})
	if err != nil {
		return nil, err
	}
	ch := &novav1.ComputeHost{ObjectMeta: metav1.ObjectMeta{Name: host}}
	if err := c.Patch(ctx, ch, client.RawPatch(types.MergePatchType, body)); err != nil {
		return nil, fmt.Errorf("compute host %s: %w", host, err)
	}
	return ch, nil
}

// errNotApplied ends the wait for the controller to apply a spec change.
var errNotApplied = errors.New("not applied in time")

// awaitDisabled waits, through a watch, until the controller has applied
// the ComputeHost's spec.disabled: status.disabled equals it, written for
// this generation of the spec (when the controller reports one). timeout
// 0 waits as long as ctx.
func awaitDisabled(ctx context.Context, c client.WithWatch, ch *novav1.ComputeHost, timeout time.Duration) (*novav1.ComputeHost, error) {
	wctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeoutCause(ctx, timeout, errNotApplied)
		defer cancel()
	}
	want, gen := ch.Spec.Disabled, ch.Generation
	key := &novav1.ComputeHost{ObjectMeta: metav1.ObjectMeta{Name: ch.Name}}
	got, err := until(wctx, c, key, &novav1.ComputeHostList{}, "computehost", func(h *novav1.ComputeHost) (bool, error) {
		applied := h.Status.ObservedGeneration == 0 || h.Status.ObservedGeneration >= gen
		return applied && h.Status.Disabled == want, nil
	})
	if err != nil && errors.Is(context.Cause(wctx), errNotApplied) {
		return got, fmt.Errorf("computehost %s: the controller did not apply disabled=%t within %s (is the novanats conductor running?)", ch.Name, want, timeout)
	}
	return got, err
}
