# A static binary on scratch, run as nobody (kpt and kustomize run function images as
# `--user nobody`, which needs the /etc/passwd entry). `make image` builds the binary on
# the host first, so no registry is needed:
#   RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target x86_64-unknown-linux-gnu
FROM scratch
ARG VERSION=unknown
ARG REVISION=unknown
ARG BINARY=target/x86_64-unknown-linux-gnu/release/harden-sa-token
LABEL org.opencontainers.image.title="harden-sa-token" \
      org.opencontainers.image.description="KRM function: explicit, read-only projected service-account token mounts for every Pod template" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY docker/passwd /etc/passwd
COPY ${BINARY} /harden-sa-token
USER 65534:65534
ENTRYPOINT ["/harden-sa-token"]
