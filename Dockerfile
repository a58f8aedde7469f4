# Stateward's image: the Node.js server inside the cluster (k8s/overlays/in-cluster) and `stateward sync`, which the
# edge overlay's CronJob runs (k8s/overlays/edge). Built from the repository's root and pushed to your registry:
#   docker build -t <registry>/stateward:<version> . && docker push <registry>/stateward:<version>
# The image holds the package exactly as `npm pack` makes it (compiled dist/, no sources, no TypeScript), installed
# for production. test/pack/image.test.ts carries out these instructions without a container engine (each stage in
# a root folder of its own) and runs the result as the Deployment does.

# Stage 1: build dist/ and pack the package.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts are needed (esbuild ships its binary as an optional platform package).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# `npm pack` runs the prepack script (npm run build). It does not create its destination (npm 10 and 11: ENOENT).
RUN mkdir /pkg && npm pack --pack-destination /pkg

# Stage 2: a production install of the packed package (`serve --watch` and `sync` need no Kubernetes client).
FROM node:22-bookworm-slim AS install
WORKDIR /app
COPY --from=build /pkg /pkg
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund /pkg/stateward-*.tgz

# Stage 3: the runtime. Distroless Node 22 LTS: no shell, no package manager; "nonroot" is uid/gid 65532, which the
# Deployment's securityContext names (runAsNonRoot needs a numeric user to verify). Nothing is compiled or written
# at run time, so the root filesystem can be read-only.
FROM gcr.io/distroless/nodejs22-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=install /app/node_modules ./node_modules
USER 65532:65532
EXPOSE 8443
# The `stateward` command; the container's args name the subcommand and its flags (the Deployment: serve ...).
ENTRYPOINT ["/nodejs/bin/node", "/app/node_modules/stateward/bin/stateward.js"]
CMD ["serve"]
