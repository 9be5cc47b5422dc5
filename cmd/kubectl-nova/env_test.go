package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	novav1 "github.com/novanats/novanats/api/v1alpha1"
)

// The unit tests share one kube-apiserver + etcd with the novanats CRDs
// (envtest, binaries from hack/envtest-assets.sh), without the controller:
// they check what the plugin itself does to the API objects, and its
// arguments and exit codes. The tests with the controller are in
// e2e_test.go.
var (
	apiKubeconfig string        // kubeconfig of an admin of the test apiserver
	apiClient     client.Client // the same admin, for the tests' own reads and writes
	apiSkip       string        // why the API tests cannot run, if they cannot
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		apiSkip = `KUBEBUILDER_ASSETS is not set: export KUBEBUILDER_ASSETS="$(hack/envtest-assets.sh)"`
		return m.Run()
	}
	crds := filepath.Join("..", "..", "k8s", "base", "crds")
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths: []string{
			filepath.Join(crds, "novanats.io_livemigrations.yaml"),
			filepath.Join(crds, "novanats.io_computehosts.yaml"),
		},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start etcd and kube-apiserver:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	admin, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	kc, err := admin.KubeConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "kubectl-nova-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	apiKubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(apiKubeconfig, kc, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	testScheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(testScheme); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := novav1.AddToScheme(testScheme); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if apiClient, err = client.New(cfg, client.Options{Scheme: testScheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// needAPI skips a test that needs the apiserver when there is none, and
// gives it a namespace of its own.
func needAPI(t *testing.T) string {
	t.Helper()
	if apiSkip != "" {
		t.Skip(apiSkip)
	}
	ns := strings.ToLower(strings.NewReplacer("_", "-", "/", "-").Replace(t.Name()))
	if len(ns) > 50 {
		ns = ns[:50]
	}
	if err := apiClient.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	return ns
}

// result is one run of the plugin.
type result struct {
	stdout, stderr string
	code           int
	err            error
}

// run runs the plugin in-process, as `kubectl nova ARGS...` against the
// given kubeconfig, and returns its output and exit code (the same mapping
// main uses).
func run(t *testing.T, kubeconfig string, args ...string) result {
	t.Helper()
	return runWith(t, context.Background(), nil, io.Discard, kubeconfig, args...)
}

// runWith is run with a context, a tty override, and a writer that also
// receives stdout as it is written (tests wait on it for a line).
func runWith(t *testing.T, ctx context.Context, tty *bool, tee io.Writer, kubeconfig string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	p := newPlugin(genericiooptions.IOStreams{In: strings.NewReader(""), Out: io.MultiWriter(&stdout, tee), ErrOut: &stderr})
	p.tty = tty
	cmd := p.command()
	cmd.SetArgs(append([]string{"--kubeconfig", kubeconfig}, args...))
	err := cmd.ExecuteContext(ctx)
	r := result{stdout: stdout.String(), stderr: stderr.String(), err: err}
	if err != nil {
		r.code = exitCode(err)
	}
	t.Logf("kubectl nova %s -> %d\n%s%s%v", strings.Join(args, " "), r.code, r.stdout, r.stderr, orNil(err))
	return r
}

func orNil(err error) any {
	if err == nil {
		return ""
	}
	return err
}

// lineWaiter is a writer that lets a test wait until a line containing a
// string has been written: synchronisation on what the plugin printed,
// not on time.
type lineWaiter struct {
	mu   sync.Mutex
	buf  strings.Builder
	cond chan struct{} // closed and replaced on every write
}

func newLineWaiter() *lineWaiter { return &lineWaiter{cond: make(chan struct{})} }

func (w *lineWaiter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	close(w.cond)
	w.cond = make(chan struct{})
	return len(b), nil
}

// await blocks until the output contains s, or ctx ends (failing t).
func (w *lineWaiter) await(t *testing.T, ctx context.Context, s string) {
	t.Helper()
	for {
		w.mu.Lock()
		text, ch := w.buf.String(), w.cond
		w.mu.Unlock()
		if strings.Contains(text, s) {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("output never contained %q:\n%s", s, text)
		}
	}
}
