# syntax=docker/dockerfile:1
# Kolibri FHIR R4 server. Two stages: `build` compiles TypeScript with the dev dependencies;
# the runtime stage holds only production dependencies and what the server and the operator CLI
# read at run time, and runs as the unprivileged `node` user.
# test/integration/ops/runtime-image.test.ts assembles the runtime stage from this file (no
# Docker engine) and starts it: every file the server reads at start must be copied here.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    KOLIBRI_DATA_DIR=/var/lib/kolibri
WORKDIR /app
COPY package.json package-lock.json ./
# dist/version.ts reads ../package.json and ../migrations; the server reads fhir-profiles/,
# config/targets.json ($rollout-report targets) and openapi.yaml (/docs) from the app root.
COPY --from=build /app/dist ./dist
# in the same layer as the install: the R4 package's examples (never read) leave the image
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
 && node dist/fhir/definitions/prune-r4-package.js \
 && mkdir -p /var/lib/kolibri && chown node:node /var/lib/kolibri
COPY migrations ./migrations
COPY fhir-profiles ./fhir-profiles
COPY config ./config
COPY openapi.yaml ./
# The operator CLI: `docker compose exec kolibri kolibri clients add …`. bin/kolibri.js runs
# dist/cli/kolibri.js when the TypeScript sources are absent, as here.
COPY bin ./bin
RUN ln -s /app/bin/kolibri.js /usr/local/bin/kolibri
USER node
EXPOSE 8080
# Slim images have no curl; node itself probes /healthz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "require('http').get({host:'127.0.0.1',port:process.env.PORT||8080,path:'/healthz',timeout:2000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
