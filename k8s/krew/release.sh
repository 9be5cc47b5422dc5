#!/usr/bin/env bash
# release.sh builds the kubectl-nova release archives and fills in the krew
# manifest template (k8s/krew/nova.yaml) with the version and their sha256:
#
#   k8s/krew/release.sh v0.1.0 [OUTDIR]      (OUTDIR defaults to dist/)
#
# writes OUTDIR/kubectl-nova_<os>_<arch>.tar.gz for linux and darwin, amd64
# and arm64 (static binaries, CGO off, plus LICENSE), and OUTDIR/nova.yaml.
# Upload the archives to the GitHub release named VERSION (the manifest's
# uri fields point there), then submit OUTDIR/nova.yaml to krew-index, or
# try it locally first:
#
#   kubectl krew install --manifest=dist/nova.yaml --archive=dist/kubectl-nova_linux_amd64.tar.gz
#
# RELEASE_SKIP_BUILD=1 only fills in the manifest from archives already in
# OUTDIR (the test uses it; so can a release whose archives come from CI).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
version="${1:?usage: release.sh VERSION [OUTDIR]}"
out="${2:-$root/dist}"
GO="${GO:-go}"
platforms=(linux_amd64 linux_arm64 darwin_amd64 darwin_arm64)

# krew compares versions as semver with a leading v.
if [[ ! "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
	echo "release.sh: version $version: want vMAJOR.MINOR.PATCH[-PRE]" >&2
	exit 2
fi
mkdir -p "$out"

if [[ "${RELEASE_SKIP_BUILD:-}" != 1 ]]; then
	work="$(mktemp -d)"
	trap 'rm -rf "$work"' EXIT
	for p in "${platforms[@]}"; do
		os="${p%_*}" arch="${p#*_}"
		mkdir -p "$work/$p"
		echo "release.sh: building $os/$arch" >&2
		(cd "$root" && CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" "$GO" build -trimpath -ldflags=-s -o "$work/$p/kubectl-nova" ./cmd/kubectl-nova)
		cp "$root/LICENSE" "$work/$p/"
		# Sorted names, fixed owner and time: the same source gives the
		# same archive, so its sha256 can be checked by rebuilding.
		tar -C "$work/$p" --sort=name --owner=0 --group=0 --numeric-owner --mtime='1970-01-01 00:00:00Z' \
			-cf - kubectl-nova LICENSE | gzip -n >"$out/kubectl-nova_$p.tar.gz"
	done
fi

subst=(-e "s/@VERSION@/$version/g")
for p in "${platforms[@]}"; do
	archive="$out/kubectl-nova_$p.tar.gz"
	if [[ ! -f "$archive" ]]; then
		echo "release.sh: $archive is missing" >&2
		exit 1
	fi
	sum="$(sha256sum "$archive" | cut -d' ' -f1)"
	subst+=(-e "s/@SHA256_${p}@/$sum/g")
done
# The template's comments are about the template; krew-index gets the rest.
sed -e '/^#/d' "${subst[@]}" "$root/k8s/krew/nova.yaml" >"$out/nova.yaml"
if grep -n '@[A-Za-z0-9_]*@' "$out/nova.yaml" >&2; then
	echo "release.sh: placeholders left in $out/nova.yaml" >&2
	exit 1
fi
echo "$out/nova.yaml"
