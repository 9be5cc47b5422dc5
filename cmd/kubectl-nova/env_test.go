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
	"github.com/novanats/novanats/internal/kubetest"
)

// The unit tests share one kube-apiserver + etcd with the novanats CRDs
// (envtest, binaries from internal/kubetest.Assets: KUBEBUILDER_ASSETS or
// hack/envtest-assets.sh), without the controller: they check what the
// plugin itself does to the API objects, and its arguments and exit codes.
// The tests with the controller and a cloud are in e2e_test.go.
var (
	apiOnce       sync.Once
	apiEnv        *envtest.Environment
	apiKubeconfig string        // kubeconfig of an admin of the test apiserver
	apiClient     client.Client // the same admin, for the tests' own reads and writes
	apiErr        error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if apiEnv != nil {
		if err := apiEnv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop etcd and kube-apiserver:", err)
		}
		os.RemoveAll(filepath.Dir(apiKubeconfig))
	}
	os.Exit(code)
}

// needAPI starts the shared apiserver on first use, and gives the test a
// namespace of its own.
func needAPI(t *testing.T) string {
	t.Helper()
	assets := kubetest.Assets(t)
	apiOnce.Do(func() { apiErr = startAPI(assets) })
	if apiErr != nil {
		t.Fatal(apiErr)
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

func startAPI(assets string) error {
	apiEnv = &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "k8s", "base", "crds")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := apiEnv.Start()
	if err != nil {
		apiEnv = nil
		return fmt.Errorf("start etcd and kube-apiserver: %w", err)
	}
	dir, err := os.MkdirTemp("", "kubectl-nova-test")
	if err != nil {
		return err
	}
	apiKubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(apiKubeconfig, apiEnv.KubeConfig, 0o600); err != nil {
		return err
	}
	testScheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(testScheme); err != nil {
		return err
	}
	if err := novav1.AddToScheme(testScheme); err != nil {
		return err
	}
	apiClient, err = client.New(cfg, client.Options{Scheme: testScheme})
	return err
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
