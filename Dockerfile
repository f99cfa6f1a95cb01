# syntax=docker/dockerfile:1
# Kolibri FHIR R4 server. Two stages: `build` compiles TypeScript with the dev dependencies;
# the runtime stage holds only production dependencies, dist/, migrations/ and fhir-profiles/,
# and runs as the unprivileged `node` user.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
# The server reads fhir-profiles/ at start; while git holds no profile it is absent from the
# build context, so copy it when present and create it empty otherwise.
RUN --mount=type=bind,source=.,target=/context \
    mkdir -p fhir-profiles && if [ -d /context/fhir-profiles ]; then cp -R /context/fhir-profiles/. fhir-profiles/; fi

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    KOLIBRI_DATA_DIR=/var/lib/kolibri
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
 && mkdir -p /var/lib/kolibri && chown node:node /var/lib/kolibri
# src/version.ts reads ../package.json and ../migrations from dist/: keep them at the app root.
COPY --from=build /app/dist ./dist
COPY --from=build /app/fhir-profiles ./fhir-profiles
COPY migrations ./migrations
USER node
EXPOSE 8080
# Slim images have no curl; node itself probes /healthz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "require('http').get({host:'127.0.0.1',port:process.env.PORT||8080,path:'/healthz',timeout:2000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
