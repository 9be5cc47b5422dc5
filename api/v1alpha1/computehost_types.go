package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ComputeHostSpec is what a user may change on a compute host: nova's
// `openstack compute service set --disable --disable-reason`.
type ComputeHostSpec struct {
	// Disabled keeps the scheduler from placing new instances (and incoming
	// live migrations) on the host. Instances on it keep running.
	//
	// +optional
	Disabled bool `json:"disabled,omitempty"`

	// DisabledReason is shown with the host while it is disabled.
	//
	// +optional
	// +kubebuilder:validation:MaxLength=255
	DisabledReason string `json:"disabledReason,omitempty"`
}

// ResourceUsage is used and total of one resource of a compute node.
type ResourceUsage struct {
	Used  int64 `json:"used"`
	Total int64 `json:"total"`
}

// InstanceRef names one instance: its UUID (unique, what a LiveMigration
// created from it names) and its display name (for people; not unique).
type InstanceRef struct {
	// +kubebuilder:validation:MinLength=1
	UUID string `json:"uuid"`
	// +optional
	Name string `json:"name,omitempty"`
}

// ComputeHostStatus mirrors nova's service group and compute node records.
type ComputeHostStatus struct {
	// Up is the service group's verdict: the compute reported within
	// service_down_time and is not forced down.
	Up bool `json:"up"`

	// Disabled and DisabledReason are what nova has now, which is the spec
	// once the controller has applied it. Disabled, Instances and
	// MigrationsInProgress are written even when false or 0 (no
	// omitempty), so the printer columns show them and `kubectl wait
	// --for=jsonpath={.status.disabled}=false` can match.
	//
	// +optional
	Disabled bool `json:"disabled"`
	// +optional
	DisabledReason string `json:"disabledReason,omitempty"`

	// LastHeartbeat is when the compute last reported to the service group.
	//
	// +optional
	LastHeartbeat *metav1.Time `json:"lastHeartbeat,omitempty"`

	// VCPUs, MemoryMB and DiskGB are the compute node's usage.
	//
	// +optional
	VCPUs *ResourceUsage `json:"vcpus,omitempty"`
	// +optional
	MemoryMB *ResourceUsage `json:"memoryMB,omitempty"`
	// +optional
	DiskGB *ResourceUsage `json:"diskGB,omitempty"`

	// VCPUsSummary and MemorySummary are "used/total" for the printer
	// columns.
	//
	// +optional
	VCPUsSummary string `json:"vcpusSummary,omitempty"`
	// +optional
	MemorySummary string `json:"memorySummary,omitempty"`

	// Instances is the number of instances on the host.
	//
	// +optional
	Instances int32 `json:"instances"`

	// InstanceRefs lists the instances on the host (nova's instances whose
	// host is this one), so a client with only Kubernetes access can act on
	// each of them: `kubectl nova drain` creates a LiveMigration per entry.
	// Its length is Instances.
	//
	// +optional
	// +listType=map
	// +listMapKey=uuid
	InstanceRefs []InstanceRef `json:"instanceRefs,omitempty"`

	// MigrationsInProgress counts live migrations from or to the host.
	//
	// +optional
	MigrationsInProgress int32 `json:"migrationsInProgress"`

	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// ComputeHost is one nova compute host. The controller creates and updates
// them from the service group; users set spec.disabled.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=ch,categories=novanats
// +kubebuilder:printcolumn:name="Up",type=boolean,JSONPath=`.status.up`
// +kubebuilder:printcolumn:name="Disabled",type=boolean,JSONPath=`.status.disabled`
// +kubebuilder:printcolumn:name="VCPUs",type=string,JSONPath=`.status.vcpusSummary`
// +kubebuilder:printcolumn:name="Memory",type=string,JSONPath=`.status.memorySummary`
// +kubebuilder:printcolumn:name="Instances",type=integer,JSONPath=`.status.instances`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ComputeHost struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec ComputeHostSpec `json:"spec,omitempty"`
	// +optional
	Status ComputeHostStatus `json:"status,omitempty"`
}

// ComputeHostList is a list of ComputeHosts.
//
// +kubebuilder:object:root=true
type ComputeHostList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ComputeHost `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ComputeHost{}, &ComputeHostList{})
}
