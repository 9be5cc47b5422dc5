#!/bin/sh
# Makes sure Prometheus and promtool are installed and prints the directory
# that holds them. The dashboard and alert-rule tests (k8s/grafana) run the
# real Prometheus: they call this on a machine that lacks it. It installs
# Debian's `prometheus` package (Prometheus 2.x with promtool) with apt,
# which needs root, as CI runs. The package's own service is not started:
# the tests start their own Prometheus on loopback.
set -eu

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
	dirname "$(command -v prometheus)"
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "hack/prometheus.sh: prometheus and promtool are missing and there is no apt-get; install Prometheus 2.x so both are on PATH" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "hack/prometheus.sh: prometheus and promtool are missing; installing Debian's prometheus package needs root (sudo $0)" >&2
	exit 1
fi
{
	export DEBIAN_FRONTEND=noninteractive
	# A policy-rc.d that forbids starting services: in a container (or CI)
	# the package's postinst must not try to run its own daemon.
	policy=/usr/sbin/policy-rc.d
	made_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
	fi
	trap 'if [ -n "$made_policy" ]; then rm -f "$policy"; fi' EXIT
	if ! apt-get install -y --no-install-recommends prometheus; then
		apt-get update
		apt-get install -y --no-install-recommends prometheus
	fi
} >&2
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || {
	echo "hack/prometheus.sh: installed Debian's prometheus package but prometheus or promtool is still not on PATH" >&2
	exit 1
}
dirname "$(command -v prometheus)"
