# novanats: every check CI runs is `make test`.
GO            ?= go
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# A number of executions, not a duration: a duration can end while a
# worker is busy on a loaded machine, which go test reports as a failure
# ("context deadline exceeded").
FUZZTIME      ?= 20000x
# Fuzz targets run briefly on every test run: package and target name.
FUZZ_TARGETS  := ./pkg/rpc:FuzzDecodeRequest ./pkg/rpc:FuzzDecodeReply ./pkg/objects:FuzzDecodeObject

.PHONY: test vet staticcheck unit fuzz bench fmt-check build generate generated-check
CONTROLLER_GEN := sigs.k8s.io/controller-tools/cmd/controller-gen@v0.23.0

# The Kubernetes tests (k8s/, internal/kubetest, the controller's e2e) need
# etcd, kube-apiserver and kubectl: hack/envtest-assets.sh installs or
# builds what is missing (a fresh machine: ~22 minutes for kube-apiserver
# on 2 cores, once per user; cached in ~/.cache/novanats/envtest) and
# the unit tests get them through KUBEBUILDER_ASSETS, so they run, never skip.
test: fmt-check vet staticcheck generated-check
	@assets="$$(hack/envtest-assets.sh)" && KUBEBUILDER_ASSETS="$$assets" $(MAKE) --no-print-directory unit fuzz

build:
	$(GO) build ./...

# Deep copies and CRDs from the Kubernetes API types in api/ (run after
# changing them; the outputs are committed).
generate:
	$(GO) run $(CONTROLLER_GEN) object paths=./api/... crd:crdVersions=v1 output:crd:dir=./k8s/base/crds

# The committed deep copies and CRDs match api/: generate them into a
# temporary directory and compare, leaving the work tree alone.
generated-check:
	@tmp="$$(mktemp -d)" && trap 'rm -rf "$$tmp"' EXIT && \
	$(GO) run $(CONTROLLER_GEN) object paths=./api/... output:object:dir="$$tmp/obj" \
		crd:crdVersions=v1 output:crd:dir="$$tmp/crds" && \
	if ! diff -u api/v1alpha1/zz_generated.deepcopy.go "$$tmp/obj/zz_generated.deepcopy.go" || \
	   ! diff -ru -x kustomization.yaml k8s/base/crds "$$tmp/crds"; then \
		echo "api/v1alpha1 changed without its generated code: run make generate and commit"; exit 1; fi

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# staticcheck is fetched and built through the Go module proxy on first use
# and cached by the go command after that.
staticcheck:
	$(GO) run $(STATICCHECK) ./...

unit:
	$(GO) test -race -count=1 -timeout 20m ./...

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

# Benchmarks compare against raw NATS in the same run (docs/benchmarks.md).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 100x -count 3 ./pkg/rpc/

# The Kubernetes tests alone, against a real etcd + kube-apiserver started
# as controller-runtime's envtest starts them: the manifests (k8s/), the
# harness (internal/kubetest) and the controller's end-to-end tests with the
# real kubectl. `make test` runs them too.
.PHONY: test-k8s k8s-auth
test-k8s:
	@assets="$$(hack/envtest-assets.sh)" && \
	KUBEBUILDER_ASSETS="$$assets" $(GO) test -race -count=1 -v ./k8s/ ./internal/kubetest/ ./services/conductor/kubecontroller/

# Re-render the NATS authorization configs of k8s/ from pkg/natsauth.
k8s-auth:
	hack/gen-nats-auth.sh
