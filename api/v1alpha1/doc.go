// Package v1alpha1 holds the novanats.io/v1alpha1 Kubernetes API: the
// LiveMigration and ComputeHost custom resources through which kubectl users
// drive nova's live migrations and see compute hosts.
//
// Kubernetes is the user-facing API only. The source of truth for
// instances, migrations and services stays in NATS JetStream; the controller
// in the conductor turns LiveMigrations into conductor RPCs and mirrors the
// Migration record (and the service group) back into these objects' status.
//
// zz_generated.deepcopy.go and the CRDs in k8s/base/crds are generated from
// these types by controller-gen: run `make generate` after changing them.
//
// +kubebuilder:object:generate=true
// +groupName=novanats.io
package v1alpha1
