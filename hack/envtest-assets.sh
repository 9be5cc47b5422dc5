#!/usr/bin/env bash
# envtest-assets.sh makes sure the binaries that controller-runtime's envtest
# starts are present, and prints the directory to use as KUBEBUILDER_ASSETS.
#
#   kube-apiserver  built from the Go module proxy (tools/go.mod pins the
#                   release) into ~/.cache/novanats/envtest/k8s-<version>/
#                   (ENVTEST_CACHE overrides the directory); no prebuilt
#                   binary download is involved, so it works anywhere the Go
#                   proxy is reachable. The first build takes ~20 minutes on
#                   2 cores; after that the cached binary is reused.
#   etcd            Debian's etcd-server package (/usr/bin/etcd).
#   kubectl         Debian's kubernetes-client package (/usr/bin/kubectl); the
#                   manifest test renders with `kubectl kustomize` and validates
#                   with `kubectl apply --dry-run=server`.
#   crds/           the Prometheus Operator's ServiceMonitor, PodMonitor and
#                   PrometheusRule CRDs, copied from its Go module (the real
#                   schemas, so the test validates our monitors field by
#                   field), for the test to install.
#
# Idempotent: a second run only checks that the files exist. Progress goes to
# stderr; stdout is only the assets directory, so callers can do
#   export KUBEBUILDER_ASSETS="$(hack/envtest-assets.sh)"
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools"
GO="${GO:-go}"

log() { echo "envtest-assets: $*" >&2; }

# The version comes from tools/go.mod so there is one place to bump it; the
# cache directory is keyed by it, so a bump rebuilds instead of reusing a
# binary of the old release.
version="$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" { print $3 }' "$tools/go.mod")"
if [[ -z "$version" ]]; then
	log "cannot find the k8s.io/kubernetes version in $tools/go.mod"
	exit 1
fi
# The cache is per user, not per checkout: every clone on a machine (CI
# runs `make test` on a fresh clone each time) reuses one build. A build
# left by an earlier version of this script in the checkout's .cache is
# moved there rather than rebuilt.
cache="${ENVTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/novanats/envtest}"
assets="$cache/k8s-$version"
legacy="$root/.cache/envtest/k8s-$version"
if [[ -z "${ENVTEST_CACHE:-}" && ! -e "$assets/kube-apiserver" && -x "$legacy/kube-apiserver" && ! -L "$legacy" ]]; then
	log "moving the kube-apiserver build from $legacy to $assets"
	mkdir -p "$cache"
	rm -rf "$assets"
	mv "$legacy" "$assets"
	ln -s "$assets" "$legacy"
fi
mkdir -p "$assets"

# Debian packages: install only what is missing. apt-get needs root; say so
# plainly rather than failing inside apt.
need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)
if ((${#need[@]})); then
	if [[ "$(id -u)" != 0 ]]; then
		log "missing ${need[*]}: run as root or: sudo apt-get install -y ${need[*]}"
		exit 1
	fi
	log "installing ${need[*]} from Debian"
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

# envtest looks for every binary in the one KUBEBUILDER_ASSETS directory, so
# link the Debian ones next to the built kube-apiserver. ln -sfn keeps this
# idempotent and follows a PATH change.
ln -sfn "$(command -v etcd)" "$assets/etcd"
ln -sfn "$(command -v kubectl)" "$assets/kubectl"

if [[ ! -x "$assets/kube-apiserver" ]]; then
	log "building kube-apiserver $version (first time: ~20 minutes on 2 cores)"
	start=$SECONDS
	major="${version#v}"; major="${major%%.*}"
	minor="${version#v*.}"; minor="${minor%%.*}"
	# The version ldflags are what Kubernetes' own build sets; without them the
	# server reports v0.0.0-master and clients warn about version skew.
	ldflags="-s -w"
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
	done
	# Build to a temporary name and rename so that an interrupted build never
	# leaves a half-written binary that the existence check above would accept.
	(cd "$tools" && CGO_ENABLED=0 "$GO" build -trimpath -ldflags "$ldflags" \
		-o "$assets/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
	mv "$assets/kube-apiserver.tmp" "$assets/kube-apiserver"
	log "built kube-apiserver in $((SECONDS - start))s"
fi

# The Prometheus Operator's CRDs ship in its Go module (example/). Download
# that module version through the Go proxy (checksum-verified like any
# module) and copy the three CRDs the manifests use.
prom_operator=v0.85.0
crds="$assets/crds"
if [[ ! -f "$crds/.prometheus-operator-$prom_operator" ]]; then
	log "fetching monitoring CRDs from prometheus-operator $prom_operator"
	dir="$(cd "$tools" && "$GO" mod download -json "github.com/prometheus-operator/prometheus-operator@$prom_operator" |
		awk -F'"' '$2 == "Dir" { print $4 }')"
	rm -rf "$crds" && mkdir -p "$crds"
	for kind in podmonitors servicemonitors prometheusrules; do
		install -m 0644 "$dir/example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml" "$crds/"
	done
	touch "$crds/.prometheus-operator-$prom_operator"
fi

echo "$assets"
