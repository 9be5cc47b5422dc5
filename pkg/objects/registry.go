package objects

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
)

// spec is what an object file tells register besides its struct.
type spec struct {
	version string
	// history has one "X.Y: what changed" line per minor, oldest first.
	history []string
	// backport, if set, runs after the generic backport (which drops fields
	// newer than target) for changes that are not plain additions, such as
	// a field whose format changed. data is the object's nova_object.data.
	backport func(data map[string]any, target Version) error
}

// The registry is written only by init functions and read-only afterwards,
// which is why it needs no lock.
var (
	schemasByName = map[string]*schema{}
	schemasByType = map[reflect.Type]*schema{}
)

// register adds object type T. The object's wire name is its Go type name, as
// nova's is its class name. Registration errors are programming errors.
func register[T any, P interface {
	*T
	Object
}](sp spec) {
	t := reflect.TypeFor[T]()
	s, err := buildSchema(t, reflect.TypeFor[base[T]](), sp)
	if err != nil {
		panic(err)
	}
	if _, dup := schemasByName[s.name]; dup {
		panic(fmt.Sprintf("objects: %s registered twice", s.name))
	}
	s.newObj = func() Object { return P(new(T)) }
	schemasByName[s.name] = s
	schemasByType[t] = s
}

func schemaOf(t reflect.Type) *schema {
	s := schemasByType[t]
	if s == nil {
		panic(fmt.Sprintf("objects: %v is not registered", t))
	}
	return s
}

// Manifest maps object names to versions: oslo's version_manifest, which a
// receiver sends so that a sender can backport every nested object to what
// the receiver knows.
type Manifest map[string]string

// LocalManifest returns the versions of every object this service knows.
func LocalManifest() Manifest {
	m := make(Manifest, len(schemasByName))
	for name, s := range schemasByName {
		m[name] = s.version.String()
	}
	return m
}

// Registered returns the names of all registered objects, sorted.
func Registered() []string { return slices.Sorted(maps.Keys(schemasByName)) }

// New returns a new, empty object of the named type.
func New(name string) (Object, error) {
	s := schemasByName[name]
	if s == nil {
		return nil, &UnsupportedObjectError{Name: name, Namespace: Namespace}
	}
	return s.newObj(), nil
}
