# A static binary on scratch, run as nobody (kpt runs function images as `--user nobody`).
# Build the binary on the host first (no registry is needed):
#   RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target x86_64-unknown-linux-gnu
FROM scratch
LABEL org.opencontainers.image.title="harden-sa-token" \
      org.opencontainers.image.description="KRM function: explicit, read-only projected service-account token mounts for every Pod template" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY docker/passwd /etc/passwd
COPY target/x86_64-unknown-linux-gnu/release/harden-sa-token /harden-sa-token
USER 65534:65534
ENTRYPOINT ["/harden-sa-token"]
