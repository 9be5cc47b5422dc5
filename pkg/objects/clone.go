package objects

// Clone returns a deep copy of o with its changes, like oslo's obj_clone. It
// goes through the primitive form, the one path that already knows how to
// copy every field type, nested objects included.
func Clone[P Object](o P) (P, error) {
	var zero P
	p, err := o.ToPrimitive()
	if err != nil {
		return zero, err
	}
	c := o.ref().s.newObj().(P)
	if err := c.ObjFromPrimitive(p); err != nil {
		return zero, err
	}
	return c, nil
}
