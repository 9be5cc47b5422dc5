package conductor

import (
	"maps"
	"reflect"

	"github.com/novanats/novanats/pkg/objects"
)

// changedFields lists the fields of after whose values differ from the
// primitive the caller sent (set against unset counts): nova's object_action
// "updates", which tell the caller what the conductor changed.
func changedFields(before objects.Primitive, after objects.Object) ([]string, error) {
	ap, err := after.ToPrimitive()
	if err != nil {
		return nil, err
	}
	b, _ := before[objects.KeyData].(map[string]any)
	a, _ := ap[objects.KeyData].(map[string]any)
	var out []string
	for _, name := range after.ObjFields() {
		bv, inB := b[name]
		av, inA := a[name]
		if inA != inB || !reflect.DeepEqual(withoutChanges(av), withoutChanges(bv)) {
			out = append(out, name)
		}
	}
	return out, nil
}

// withoutChanges copies a primitive value as plain maps without
// nova_object.changes, so that only values are compared.
func withoutChanges(v any) any {
	switch v := v.(type) {
	case objects.Primitive:
		return withoutChanges(map[string]any(v))
	case map[string]any:
		out := maps.Clone(v)
		delete(out, objects.KeyChanges)
		for k, x := range out {
			out[k] = withoutChanges(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = withoutChanges(x)
		}
		return out
	}
	return v
}
