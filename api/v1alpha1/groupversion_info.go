package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion is the API group and version of every type in this package.
var GroupVersion = schema.GroupVersion{Group: "novanats.io", Version: "v1alpha1"}

var (
	// SchemeBuilder registers this package's types with a runtime.Scheme.
	SchemeBuilder = &Builder{}

	// AddToScheme adds the novanats.io/v1alpha1 types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// Builder collects the package's types, as controller-runtime's
// scheme.Builder does. That one is deprecated for API packages, which
// should depend on apimachinery alone so that any client (kubectl-nova,
// the controller) can import them cheaply.
//
// +kubebuilder:object:generate=false
type Builder struct {
	objs []runtime.Object
}

// Register adds objects to the types AddToScheme registers.
func (b *Builder) Register(objs ...runtime.Object) {
	b.objs = append(b.objs, objs...)
}

// AddToScheme registers the types and the group version's meta types
// (ListOptions, ...) in s.
func (b *Builder) AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, b.objs...)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
