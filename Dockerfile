# a0vault container image: the built CLI on Node.js 22, running as a non-root user.
#
#   docker build -t a0vault .
#   docker run --rm -e AUTH0_DOMAIN -e AUTH0_CLIENT_ID -e AUTH0_CLIENT_SECRET \
#     a0vault snapshot --to gs://acme-auth0-backups/prod --progress json
#
# Stage 1 compiles TypeScript (dist/); stage 2 holds only production dependencies, dist/ and
# schemas/ (read at run time next to dist/, as package.json "files" publishes them).
# Pin the base image by digest in production (docker buildx imagetools inspect node:22-bookworm-slim).
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: no package needs an install script to compile (native modules are test-only),
# and the root "prepare" script would run the build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, exactly as locked; no lifecycle scripts ("prepare" builds with
# the dev dependency typescript, which is not installed here).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY schemas ./schemas
# The node image's unprivileged user, by number so Kubernetes runAsNonRoot can verify it.
# a0vault writes only to os.tmpdir() (/tmp: deploy-cli dumps, staged archives) and to the
# storage location; mount /tmp writable when the root file system is read-only.
USER 1000:1000
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["--help"]
