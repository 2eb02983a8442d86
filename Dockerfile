# Repertoire's image: the static binary alone on distroless, as a user
# without privileges, its data in the /data volume.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t repertoire .
#   docker run -p 8080:8080 -v repertoire-data:/data repertoire serve --base-url https://…
#
# compose.yaml runs it with PostgreSQL and a mail catcher; docs/deploy.md
# says how to run it for real.

# Built on the builder's platform, for the target's (docker buildx build
# --platform linux/amd64,linux/arm64): Go cross-compiles without emulation.
FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build
ARG TARGETOS
ARG TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# The SQLite driver is pure Go: no C library, so the binary runs on an
# image without one. cmd/repertoire's TestStaticBinaryTellsItsVersion
# builds with this very command.
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH:-$(go env GOARCH)} go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/repertoire ./cmd/repertoire \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/repertoire /repertoire
# The volume's mount point belongs to the user the server runs as
# (nonroot, 65532), so a fresh named volume is writable.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
VOLUME /data
ENV REPERTOIRE_ADDR=0.0.0.0:8080 \
    REPERTOIRE_DB=sqlite:/data/repertoire.db
EXPOSE 8080
# No shell nor curl in the image: the binary asks its own /readyz.
HEALTHCHECK --interval=15s --timeout=6s --start-period=30s --retries=3 CMD ["/repertoire", "healthcheck"]
# SIGTERM drains (requests in flight, the group commit, the mail being
# sent) within --drain-timeout (10 s): give it a longer stop timeout.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/repertoire"]
CMD ["serve"]
