# syntax=docker/dockerfile:1
#
# envelope-operator image: the controller (default entrypoint) and the CLI.
#
#   docker build -t envelope-operator:dev .
#   docker run --rm envelope-operator:dev --help                       # controller flags
#   docker run --rm -i --entrypoint node envelope-operator:dev \
#     --enable-source-maps dist/cli/main.js seal --provider aws-prod < secret.yaml   # the CLI
#
# Two stages: the build stage has the compiler toolchain and dev dependencies; the runtime stage
# gets only dist/, the production node_modules (with the compiled pkcs11js addon) and package.json.

# Both stages use the same Node major on the same Debian release (bookworm): the native addon built
# in the first stage is linked against that glibc and that Node ABI. Pin NODE_VERSION (or the image
# digests) in release builds so that both stages resolve to the same patch release.
ARG NODE_VERSION=24

# ---------------------------------------------------------------------------------------------------
# Build stage: the full (non-slim) image, which already has python3, make and g++ for node-gyp.
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /src

# Dependencies first, so that this layer is cached until package*.json change. Install scripts are
# skipped here because the root package's `prepare` script compiles src/, which is not copied yet
# (and the `node` devDependency's binary download is not needed: the image has Node).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

# Now build the one native addon we need (PKCS#11), and fail the build if it did not compile rather
# than shipping an image whose pkcs11 KeyProviders fail at runtime.
RUN npm rebuild pkcs11js \
 && node -e "require('pkcs11js'); console.log('pkcs11js native addon loaded')"

# Compile TypeScript to dist/ (tsconfig.build.json: src only, no tests, with source maps).
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Drop dev dependencies (typescript, vitest, eslint, the `node` binary package, ...).
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---------------------------------------------------------------------------------------------------
# Runtime stage: slim Debian + Node, no compiler, no package managers.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime

LABEL org.opencontainers.image.title="envelope-operator" \
      org.opencontainers.image.description="Kubernetes operator for envelope-encrypted Secrets (AWS KMS, Azure Key Vault, PKCS#11, local keys)" \
      org.opencontainers.image.licenses="Apache-2.0"

# npm, npx, corepack and yarn are not needed to run the controller: remove them (smaller image,
# fewer CVEs to triage).
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*

# NODE_ENV=production for libraries that look at it. HOME=/tmp: the UID below has no passwd entry,
# so HOME would otherwise be "/", which is read-only in the Pod; SDKs that look for config files
# under HOME (~/.aws, ~/.azure) then find nothing and fall back to the pod identity.
ENV NODE_ENV=production \
    HOME=/tmp

WORKDIR /app
# Owned by root and not writable by the runtime user: the process cannot modify its own code. The
# controller writes nothing outside /tmp (the chart mounts an emptyDir there and makes the root file
# system read-only).
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist

# Non-root, numeric (so that runAsNonRoot can verify it), the same UID/GID as the chart's
# securityContext (65532, the conventional "nonroot" of distroless images).
USER 65532:65532

# The controller's metrics (/metrics) and health (/healthz, /readyz) ports as the chart sets them.
EXPOSE 8080 8081

# Node is PID 1 on purpose: the controller installs its own SIGTERM/SIGINT handlers (drain in-flight
# reconciles, release the Lease, exit), which a PID 1 needs because the kernel applies no default
# action to it; it starts no child processes, so there are no zombies to reap and no init is needed.
# --enable-source-maps makes stack traces point at the TypeScript sources.
# The CLI is the second entry point: --entrypoint node ... dist/cli/main.js (see the top of the file).
ENTRYPOINT ["node", "--enable-source-maps", "dist/main.js"]
