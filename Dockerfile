# Stateward's Node.js server, for running it inside the cluster (k8s/overlays/in-cluster).
#   docker build -t <registry>/stateward:<tag> . && docker push <registry>/stateward:<tag>
# There is no build step: tsx (a runtime dependency) loads the TypeScript sources directly.

# Stage 1: production dependencies only, from the lockfile.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts are needed (esbuild, under tsx, ships its binary as an optional platform package).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Stage 2: the runtime. Distroless: no shell, no package manager; "nonroot" is uid/gid 65532, which the
# Deployment's securityContext names (runAsNonRoot needs a numeric user to verify).
FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
USER 65532:65532
EXPOSE 8443
# The same entry as `npm run start:node`; flags given to the container (the Deployment's args) are appended.
ENTRYPOINT ["/nodejs/bin/node", "--import", "tsx", "src/node/main.ts"]
