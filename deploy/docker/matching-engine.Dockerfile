# syntax=docker/dockerfile:1
# Image of the matching engine; it serves only its admin port (ADMIN_PORT 9090).
# Build from the repository root:  docker build -f deploy/docker/matching-engine.Dockerfile -t trading/matching-engine:dev .
#
# Base image: Node 20 on Debian 12 "bookworm" (glibc 2.36), pinned by full version tag.
# - uWebSockets.js v20.30 ships prebuilt binaries linked against glibc >= 2.27 and built for
#   Node's ABI 115 (Node 20); Alpine (musl) cannot load them, and the package then silently falls
#   back to a slow JS implementation. verify-native-uws.cjs below fails the build if that happens.
# - The tag is pinned to the exact Node release the project is tested with; pin the digest too
#   (node:<tag>@sha256:...) in CI once it is resolved there: no registry for images is reachable from
#   the development machine, so no digest was resolved (or image built) here.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# --- sources: the build context minus what .dockerignore drops; collects the package manifests so
# the dependency layers below are rebuilt only when a package.json or the lockfile changes.
FROM ${NODE_IMAGE} AS sources
WORKDIR /src
COPY . .
RUN mkdir -p /manifests \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /manifests/ \; \
 && cp package-lock.json /manifests/

# --- build: all dependencies (TypeScript), compiles the app and the libs it references.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY --from=sources /manifests/ ./
RUN npm ci --no-audit --no-fund
COPY --from=sources /src/ ./
RUN npx tsc -b apps/matching-engine \
 && mkdir -p /out/apps/matching-engine \
 && cp -r apps/matching-engine/package.json apps/matching-engine/dist /out/apps/matching-engine/ \
 && for lib in libs/*; do \
      if [ -d "$lib/dist" ]; then mkdir -p "/out/$lib" && cp -r "$lib/package.json" "$lib/dist" "/out/$lib/"; fi; \
    done \
 && find /out -name '*.tsbuildinfo' -delete

# --- prod-deps: production dependencies only (npm workspaces: the lockfile needs every manifest).
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=sources /manifests/ ./
# uWebSockets.js ships binaries for every platform and Node ABI (~110 MB): keep only this image's.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force \
 && keep="uws_$(node -p 'process.platform + "_" + process.arch + "_" + process.versions.modules').node" \
 && find node_modules/uWebSockets.js/binaries -name '*.node' ! -name "$keep" -delete \
 && find node_modules/uWebSockets.js/dist -name '*.node' -delete

# --- runtime
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM/SIGINT to node (which drains, contract section 5) and reaps zombies.
# Not version-pinned: the pinned base image fixes the Debian release (bookworm: tini 0.19.0), and
# Debian's package revision is a binary rebuild (0.19.0-1+b3 on amd64), so an exact pin is brittle.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/package.json /app/package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /out/ ./
COPY deploy/docker/healthcheck.mjs deploy/docker/verify-native-uws.cjs ./deploy/
RUN node deploy/verify-native-uws.cjs
# Everything above is owned by root and read-only for the service user: the image runs with a
# read-only root filesystem (compose read_only, Kubernetes readOnlyRootFilesystem); only /tmp is
# mounted writable. Numeric UID so Kubernetes runAsNonRoot can verify it (uid 1000 = "node").
USER 1000:1000
EXPOSE 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["node", "/app/deploy/healthcheck.mjs", "/healthz"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# --max-semi-space-size=64: a 64 MiB young-generation semi-space, about a fifth less CPU per command
# under load (apps/matching-engine/src/engine/node-flags.ts, docs/engine.md). On the command line,
# not in NODE_OPTIONS, so an operator's NODE_OPTIONS cannot drop it by accident; docker compose and
# the Kubernetes manifests run this CMD unchanged.
CMD ["node", "--max-semi-space-size=64", "apps/matching-engine/dist/main.js"]
