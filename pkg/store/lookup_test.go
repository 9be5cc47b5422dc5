package store

import (
	"errors"
	"testing"

	"github.com/novanats/novanats/pkg/exception"
	"github.com/novanats/novanats/pkg/objects"
)

func TestFindInstance(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	a, b, c := newInstance("h1"), newInstance("h1"), newInstance("h2")
	a.DisplayName.Set("web-1")
	b.DisplayName.Set("twin")
	c.DisplayName.Set("twin")
	for _, inst := range []*objects.Instance{a, b, c} {
		if err := e.st.Instances.Create(ctx, inst); err != nil {
			t.Fatal(err)
		}
	}
	for _, ref := range []string{a.UUID.Get(), "web-1"} {
		got, err := e.st.Instances.FindInstance(ctx, ref)
		if err != nil || got.UUID.Get() != a.UUID.Get() {
			t.Errorf("FindInstance(%q): %v, %v", ref, got, err)
		}
	}
	var amb *AmbiguousInstanceName
	if _, err := e.st.Instances.FindInstance(ctx, "twin"); !errors.As(err, &amb) || amb.Count != 2 {
		t.Errorf("two named twin: %v", err)
	}
	var nf *exception.InstanceNotFound
	for _, ref := range []string{"nothing", newUUID()} {
		if _, err := e.st.Instances.FindInstance(ctx, ref); !errors.As(err, &nf) || nf.InstanceID != ref {
			t.Errorf("FindInstance(%q): %v, want InstanceNotFound", ref, err)
		}
	}
}
