//go:build tools

// Package tools records the commands this module builds so that `go mod tidy`
// keeps their dependencies. hack/envtest-assets.sh builds them with
// `go build k8s.io/kubernetes/cmd/kube-apiserver` from this directory.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
