package store

import (
	"testing"

	"github.com/novanats/novanats/pkg/objects"
)

func uuids[P interface{ ObjName() string }](t *testing.T, list []P, err error, uuidOf func(P) string) []string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, o := range list {
		out = append(out, uuidOf(o))
	}
	return out
}

func instUUID(i *objects.Instance) string { return i.UUID.Get() }
func migUUID(m *objects.Migration) string { return m.UUID.Get() }
func equalSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

// An instance that moves host (the end of a live migration) is found on the
// new host only, whether it moved by Save or by Update.
func TestInstanceIndexesFollowHostAndTaskState(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	a, b := newInstance("cmp1"), newInstance("cmp1")
	for _, i := range []*objects.Instance{a, b} {
		if err := e.st.Instances.Create(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	byHost := func(h string) []string {
		l, err := e.st.Instances.ListByHost(ctx, h)
		return uuids(t, l, err, instUUID)
	}
	if got := byHost("cmp1"); !equalSet(got, []string{a.UUID.Get(), b.UUID.Get()}) {
		t.Fatalf("cmp1 before the move: %v", got)
	}
	a.TaskState.Set(objects.TaskMigrating)
	if err := e.st.Instances.Save(ctx, a); err != nil {
		t.Fatal(err)
	}
	a.Host.Set("cmp2")
	a.Node.Set("cmp2-node")
	a.TaskState.SetNull()
	if err := e.st.Instances.Save(ctx, a, objects.TaskMigrating); err != nil {
		t.Fatal(err)
	}
	if got := byHost("cmp1"); !equalSet(got, []string{b.UUID.Get()}) {
		t.Fatalf("cmp1 after the move: %v", got)
	}
	if got := byHost("cmp2"); !equalSet(got, []string{a.UUID.Get()}) {
		t.Fatalf("cmp2 after the move: %v", got)
	}
	if l, _ := e.st.Instances.ListByTaskState(ctx, objects.TaskMigrating); len(l) != 0 {
		t.Fatalf("still migrating after the task state was cleared: %d", len(l))
	}
	if _, err := e.st.Instances.Update(ctx, b.UUID.Get(), func(i *objects.Instance) error {
		i.Host.SetNull()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := byHost("cmp1"); len(got) != 0 {
		t.Fatalf("cmp1 after b lost its host: %v", got)
	}
}

// A migration is in progress on both its hosts until its status is final,
// and in progress for its instance only while it runs.
func TestMigrationInProgressIndexes(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	inst := newUUID()
	m := newMigration(inst, "src", "dst")
	if err := e.st.Migrations.Create(ctx, m); err != nil {
		t.Fatal(err)
	}
	onHost := func(h string) []string {
		l, err := e.st.Migrations.ListInProgressByHost(ctx, h)
		return uuids(t, l, err, migUUID)
	}
	forInstance := func() []string {
		l, err := e.st.Migrations.ListInProgressByInstance(ctx, inst)
		return uuids(t, l, err, migUUID)
	}
	want := []string{m.UUID.Get()}
	// accepted: in progress for the hosts, not yet running.
	if !equalSet(onHost("src"), want) || !equalSet(onHost("dst"), want) || len(forInstance()) != 0 {
		t.Fatalf("accepted: src %v dst %v instance %v", onHost("src"), onHost("dst"), forInstance())
	}
	for _, st := range []objects.MigrationStatus{objects.MigrationQueued, objects.MigrationRunning, objects.MigrationPostCopy} {
		m.Status.Set(st)
		if err := e.st.Migrations.Save(ctx, m); err != nil {
			t.Fatal(err)
		}
		if !equalSet(forInstance(), want) || !equalSet(onHost("dst"), want) {
			t.Fatalf("%s: instance %v dst %v", st, forInstance(), onHost("dst"))
		}
	}
	m.Status.Set(objects.MigrationCompleted)
	if err := e.st.Migrations.Save(ctx, m); err != nil {
		t.Fatal(err)
	}
	if len(onHost("src")) != 0 || len(onHost("dst")) != 0 || len(forInstance()) != 0 {
		t.Fatalf("completed: src %v dst %v instance %v", onHost("src"), onHost("dst"), forInstance())
	}
}
