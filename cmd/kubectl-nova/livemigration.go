package main

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
)

// Labels kubectl nova puts on the LiveMigrations it creates, so that
// `kubectl get lm -l ...` finds them. Lookups by instance read
// spec.instance, not the label: an instance name is not always a valid
// label value, and then the label is left out.
const (
	labelInstance = "novanats.io/instance" // spec.instance
	labelDrain    = "novanats.io/drain"    // the host a drain created it for
)

// newLiveMigration is a LiveMigration of instance (name or UUID) to target
// (empty: the scheduler picks), named after display (the instance's name
// when known) with a random suffix from the API server.
func newLiveMigration(ns, instance, display, target string) *novav1.LiveMigration {
	lm := &novav1.LiveMigration{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:    ns,
			GenerateName: nameBase(display) + "-",
			Labels:       map[string]string{},
		},
		Spec: novav1.LiveMigrationSpec{Instance: instance, TargetHost: target},
	}
	if len(validation.IsValidLabelValue(instance)) == 0 {
		lm.Labels[labelInstance] = instance
	}
	return lm
}

var notNameChars = regexp.MustCompile(`[^a-z0-9]+`)

// nameBase turns an instance name into the start of an object name (a DNS
// label: lower case letters, digits and dashes), short enough that the
// API server's 5-character suffix fits.
func nameBase(s string) string {
	s = strings.Trim(notNameChars.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	if s == "" {
		return "lm"
	}
	return s
}

// forInstance says whether lm migrates instance, named as the user gave
// it (spec.instance) or by the UUID the controller resolved.
func forInstance(lm *novav1.LiveMigration, instance string) bool {
	return lm.Spec.Instance == instance || (lm.Status.InstanceUUID != "" && lm.Status.InstanceUUID == instance)
}

// unfinishedFor lists the namespace's LiveMigrations of instance that have
// not finished, and the finished ones, newest first.
func unfinishedFor(ctx context.Context, c client.Client, ns, instance string) (unfinished, finished []novav1.LiveMigration, err error) {
	var list novav1.LiveMigrationList
	if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(list.Items, func(a, b novav1.LiveMigration) int {
		return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
	})
	for _, lm := range list.Items {
		switch {
		case !forInstance(&lm, instance):
		case lm.Status.Phase.Finished():
			finished = append(finished, lm)
		default:
			unfinished = append(unfinished, lm)
		}
	}
	return unfinished, finished, nil
}

// resolveRunning finds what `abort X` or `force-complete X` acts on: the
// LiveMigration named X, or else the unfinished LiveMigrations of instance
// X. A finished one is refused (exit 5): there is nothing left to steer.
func resolveRunning(ctx context.Context, c client.Client, ns, arg, verb string) ([]novav1.LiveMigration, error) {
	var lm novav1.LiveMigration
	err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: arg}, &lm)
	switch {
	case err == nil:
		if lm.Status.Phase.Finished() {
			return nil, withCode(exitConflict, fmt.Errorf("livemigration %s has already finished (%s): nothing to %s", arg, lm.Status.Phase, verb))
		}
		return []novav1.LiveMigration{lm}, nil
	case !apierrors.IsNotFound(err):
		return nil, err
	}
	unfinished, finished, err := unfinishedFor(ctx, c, ns, arg)
	if err != nil {
		return nil, err
	}
	switch {
	case len(unfinished) > 0:
		return unfinished, nil
	case len(finished) > 0:
		return nil, withCode(exitConflict, fmt.Errorf("instance %s has no unfinished LiveMigration in namespace %s (the latest, %s, %s): nothing to %s",
			arg, ns, finished[0].Name, finished[0].Status.Phase, verb))
	}
	return nil, withCode(exitNotFound, fmt.Errorf("no LiveMigration named %s, nor one of an instance %s, in namespace %s", arg, arg, ns))
}

// checkHost fails with exit 4 when no ComputeHost is named host. A user
// who may not read ComputeHosts (cluster-scoped) is not stopped: the
// controller checks the host too, and fails the migration with a reason.
func checkHost(ctx context.Context, c client.Client, host string) error {
	var ch novav1.ComputeHost
	err := c.Get(ctx, client.ObjectKey{Name: host}, &ch)
	switch {
	case apierrors.IsNotFound(err):
		return withCode(exitNotFound, fmt.Errorf("no compute host %s (kubectl nova hosts lists them)", host))
	case apierrors.IsForbidden(err):
		return nil
	}
	return err
}

// displayName is the name of the instance a UUID names, from the
// ComputeHosts' instance lists, so that a LiveMigration of a UUID is named
// after the instance; otherwise (a name, an instance not listed, no right
// to read ComputeHosts) it is instance itself.
func displayName(ctx context.Context, c client.Client, instance string) string {
	var hosts novav1.ComputeHostList
	if err := c.List(ctx, &hosts); err != nil {
		return instance
	}
	for _, h := range hosts.Items {
		for _, ref := range h.Status.InstanceRefs {
			if ref.UUID == instance && ref.Name != "" {
				return ref.Name
			}
		}
	}
	return instance
}
