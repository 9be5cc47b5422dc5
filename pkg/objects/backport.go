package objects

import "fmt"

// toPrimitiveFor encodes the object and backports the result: oslo's
// obj_to_primitive(target_version, version_manifest).
func (r objRef) toPrimitiveFor(target string, m Manifest) (Primitive, error) {
	tv, err := resolveTarget(r.s, target, m)
	if err != nil {
		return nil, err
	}
	p, err := r.toPrimitive()
	if err != nil {
		return nil, err
	}
	if err := backportPrimitive(p, r.s, tv, m); err != nil {
		return nil, err
	}
	return p, nil
}

// resolveTarget picks the version to produce. An explicit target must be a
// minor we can make. A manifest entry is the receiver's own version, which
// may be newer than ours: it can read our older minor, so we clamp to it.
func resolveTarget(s *schema, target string, m Manifest) (Version, error) {
	explicit := target != ""
	if !explicit {
		target = m[s.name]
	}
	if target == "" {
		return s.version, nil
	}
	tv, err := ParseVersion(target)
	if err != nil {
		return Version{}, err
	}
	bad := &InvalidTargetVersion{Name: s.name, Target: target, Current: s.version.String()}
	switch {
	case tv.Major != s.version.Major:
		return Version{}, bad
	case s.version.Less(tv) && explicit:
		return Version{}, bad
	case s.version.Less(tv):
		return s.version, nil
	}
	return tv, nil
}

// backportPrimitive rewrites p (made by toPrimitive, at s's version) in place
// into the form of version target: fields added after target are dropped,
// nested objects go to their manifest versions, the object's own hook runs
// for non-additive changes, and changes only list what is still sent.
func backportPrimitive(p Primitive, s *schema, target Version, m Manifest) error {
	data, ok := asMap(p[KeyData])
	if !ok {
		return fmt.Errorf("objects: backport %s: no data", s.name)
	}
	for _, f := range s.fields {
		val, present := data[f.name]
		if !present {
			continue
		}
		if target.Less(f.added) {
			delete(data, f.name)
			continue
		}
		if f.codec.child == "" || val == nil {
			continue
		}
		if err := backportChildren(val, f, m); err != nil {
			return fmt.Errorf("objects: backport %s field %q: %w", s.name, f.name, err)
		}
	}
	if s.backport != nil {
		if err := s.backport(data, target); err != nil {
			return fmt.Errorf("objects: backport %s to %s: %w", s.name, target, err)
		}
	}
	if changes, ok := p[KeyChanges].([]any); ok {
		var kept []any
		for _, c := range changes {
			if name, _ := c.(string); hasKey(data, name) {
				kept = append(kept, c)
			}
		}
		if len(kept) > 0 {
			p[KeyChanges] = kept
		} else {
			delete(p, KeyChanges)
		}
	}
	p[KeyVersion] = target.String()
	return nil
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func backportChildren(val any, f *fieldSchema, m Manifest) error {
	cs := schemasByName[f.codec.child]
	if cs == nil {
		return fmt.Errorf("object %s is not registered", f.codec.child)
	}
	ct, err := resolveTarget(cs, "", m)
	if err != nil {
		return err
	}
	elems := []any{val}
	if f.codec.list {
		elems, _ = val.([]any)
	}
	for _, e := range elems {
		cp, ok := asMap(e)
		if !ok {
			return fmt.Errorf("nested %s is not a primitive", cs.name)
		}
		if err := backportPrimitive(cp, cs, ct, m); err != nil {
			return err
		}
	}
	return nil
}

// Backport re-encodes a primitive this service can read for a receiver whose
// versions are in manifest: nova's conductor object_backport_versions. The
// object goes to manifest[its name] (or stays at its version if absent), and
// every nested object to its own manifest entry.
func Backport(p Primitive, manifest Manifest) (Primitive, error) {
	o, err := Decode(p)
	if err != nil {
		return nil, err
	}
	return o.ObjToPrimitive("", manifest)
}
