# syntax=docker/dockerfile:1
# idsync images. One build, one runtime base, one target per app (plus the one-shot migrator):
#
#   docker build --target scim-gateway     -t idsync/scim-gateway .
#   docker build --target sync-worker      -t idsync/sync-worker .
#   docker build --target webhook-delivery -t idsync/webhook-delivery .
#   docker build --target migrate          -t idsync/migrate .
#
# (The last stage, `app`, is generic: `docker build --build-arg APP=sync-worker .` without --target.)
# docker-compose.yml builds exactly these targets.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: full install, bundle every app with `npm run build` (dist/apps/<name>/main.js) -------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json nest-cli.json webpack.config.cjs ./
COPY scripts/ scripts/
COPY libs/ libs/
COPY apps/ apps/
RUN npm run build

# ---- production dependencies only (the bundles keep node_modules external) ------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime base: no sources, no dev tooling, non-root --------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# --max-old-space-size: V8 would size the heap from the host's memory and let uncollected garbage
# take each app over 256 MB RSS under load; capped at 192 MB of old space, webhook-delivery at
# 2,000 deliveries/s held ~190 MB RSS (docs/PERFORMANCE.md, Memory). The benches start the apps
# with this same value (bench/tools/procs.ts reads it from here).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    NODE_OPTIONS="--enable-source-maps --max-old-space-size=192"
WORKDIR /app
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /src/dist ./dist
COPY --chown=root:root package.json ./
# Files stay root-owned and read-only to the app; the process runs as the image's unprivileged user.
USER node
# Readiness (Postgres and Kafka reachable). No curl in the slim image: Node's fetch does the probe.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

FROM runtime AS scim-gateway
ENV PORT=3000
EXPOSE 3000
CMD ["node", "dist/apps/scim-gateway/main.js"]

FROM runtime AS sync-worker
ENV PORT=3001
EXPOSE 3001
CMD ["node", "dist/apps/sync-worker/main.js"]

FROM runtime AS webhook-delivery
ENV PORT=3002
EXPOSE 3002
CMD ["node", "dist/apps/webhook-delivery/main.js"]

# One-shot: creates the database if missing and applies pending migrations, then exits.
FROM runtime AS migrate
HEALTHCHECK NONE
CMD ["node", "dist/scripts/migrate.js"]

# Generic image (default target): APP chooses which app's bundle runs.
FROM runtime AS app
ARG APP=scim-gateway
ENV APP=${APP}
CMD ["sh", "-c", "exec node dist/apps/${APP}/main.js"]
