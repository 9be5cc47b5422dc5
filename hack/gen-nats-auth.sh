#!/usr/bin/env bash
# gen-nats-auth.sh re-renders the committed NATS authorization configs of
# k8s/ from pkg/natsauth. Run it after changing a permission in pkg/natsauth
# or the number of simulated hosts of an overlay;
# TestCommittedConfigsAreCurrent (go test ./pkg/natsauth/) fails until then.
#
# For your own cluster render one with your node names instead:
#   go run ./pkg/natsauth/cmd/natsauth-gen conf -hosts node-a,node-b -o my-overlay/auth.conf
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
gen() { go run ./pkg/natsauth/cmd/natsauth-gen conf "$@"; }

# base: control plane only; the DaemonSet's hosts are the nodes of each
# cluster, so an overlay supplies them.
gen -o k8s/base/nats/auth.conf
# overlays/dev: 3 simulated hosts (replicas of compute-sim in its kustomization).
gen -sim 3 -o k8s/overlays/dev/auth.conf
# overlays/simulated: 10 simulated hosts (likewise).
gen -sim 10 -o k8s/overlays/simulated/auth.conf
echo "rendered k8s/base/nats/auth.conf k8s/overlays/{dev,simulated}/auth.conf" >&2
