# syntax=docker/dockerfile:1
# One image for every service: `novanats conductor|scheduler|compute`.

# Build: a static binary (no cgo), so the final image needs no libc.
FROM golang:1.26 AS build
WORKDIR /src
# Modules first, in their own layer, so a source change does not download
# them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/novanats ./cmd/novanats

# Run: distroless static, as its unprivileged "nonroot" user (65532), which
# the manifests in k8s/ also set and give read access to the NATS key.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/novanats /usr/local/bin/novanats
USER 65532:65532
# 9090: /metrics, /healthz, /readyz (--listen-metrics).
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/novanats"]
