# syntax=docker/dockerfile:1
# Operator image: ghcr.io/cnpg-ts/cnpg-ts:<version>   (operand image: Dockerfile.operand)
#
#   docker build -t ghcr.io/cnpg-ts/cnpg-ts:$(node -p 'require("./package.json").version') .
#
# Base images are pinned to a Node release on Debian bookworm; the release pipeline should pin them
# further to a digest (FROM node:…@sha256:…). Native modules (snappy, lz4, lzma, zstd) are built or
# fetched for glibc in the build stage, so the runtime stage must stay glibc (bookworm), not musl.
ARG NODE_VERSION=20.20.2

FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
# src only (.dockerignore keeps test/ and bench/ out); drop compiled unit tests, then dev dependencies.
RUN npx tsc -p tsconfig.json \
 && find dist \( -name '*.test.js' -o -name '*.test.js.map' \) -delete \
 && chmod 0755 dist/src/cli/main.js \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="cnpg-ts operator" \
      org.opencontainers.image.source="https://github.com/cnpg-ts/cnpg-ts" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
ENV NODE_ENV=production
# V8 otherwise sizes its heap for the machine, not the container: it grows lazily towards a limit
# far above the Deployment's 512Mi. A heap limit at three quarters of it and a small young
# generation keep 1000 Clusters' caches well inside (bench/operator reads this line).
ENV NODE_OPTIONS="--max-old-space-size=384 --max-semi-space-size=2"
WORKDIR /app
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# Files are root-owned and read-only for the operator; it writes only to /tmp and the webhook
# certificate folder (both emptyDir volumes in the Deployment, which sets readOnlyRootFilesystem).
RUN mkdir -p /run/secrets/cnpg-ts/webhook && chown 10001:10001 /run/secrets/cnpg-ts/webhook
USER 10001:10001
# 9443 webhook (HTTPS), 8080 metrics, 8081 health.
EXPOSE 9443 8080 8081
# Kubernetes ignores HEALTHCHECK (the Deployment has probes); this one serves `docker run`.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8081/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/src/platform/kubernetes/main.js"]
