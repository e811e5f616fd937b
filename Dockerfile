# syntax=docker/dockerfile:1
# Operator image: ghcr.io/cnpg-ts/cnpg-ts:<version>   (operand image: Dockerfile.operand)
#
# Built from a prepared context, never from the repository itself: the build runs no npm and needs
# no registry. After `npm run build`:
#
#   scripts/image-context.sh /tmp/cnpg-ts-image     # app/ (package*.json, dist/src without tests), production node_modules
#   docker build -t ghcr.io/cnpg-ts/cnpg-ts:$(node -p 'require("./package.json").version') /tmp/cnpg-ts-image
#
# (scripts/real-node/build.sh builds it the same way with buildah, without Docker.)
# The image carries the Node.js runtime and the app for instance and pooler Pods too: their init
# container `bootstrap-controller` copies both from /app into the Pod, so operand images need no Node.
# node_modules holds native modules (snappy, lz4) installed on the host for glibc on x86-64: build on
# such a host, and keep the base glibc (bookworm), not musl. The release pipeline should pin the base
# further to a digest (FROM node:…@sha256:…).
ARG NODE_VERSION=20.20.2

FROM node:${NODE_VERSION}-bookworm-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="cnpg-ts operator" \
      org.opencontainers.image.source="https://github.com/cnpg-ts/cnpg-ts" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size=384 --max-semi-space-size=2"
# Files are root-owned and read-only for the operator; it writes only to /tmp and the webhook
# certificate folder (both emptyDir volumes in the Deployment, which sets readOnlyRootFilesystem).
RUN mkdir -p /run/secrets/cnpg-ts/webhook && chown 10001:10001 /run/secrets/cnpg-ts/webhook
WORKDIR /app
# Everything but the files comes first, so a rebuild after a code change reuses every layer but the
# last (a builder on vfs storage copies the whole tree for each new layer). COPY ignores USER: the
# files stay root-owned.
USER 10001:10001
# 9443 webhook (HTTPS), 8080 metrics, 8081 health.
EXPOSE 9443 8080 8081
# Kubernetes ignores HEALTHCHECK (the Deployment has probes); this one serves `docker run`.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8081/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/src/platform/kubernetes/main.js"]
# Least changing first: node_modules changes only with package-lock.json; app/ is package*.json and dist/.
COPY node_modules /app/node_modules
COPY app/ /app/
