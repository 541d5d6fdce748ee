# One image for every wabridge service; SERVICE (gateway, ingress, router, metering, wa-sim) picks which one runs.
#   docker build -t wabridge .            then e.g.  docker run -e SERVICE=router ... wabridge
# The runtime stage holds the compiled JavaScript and the production dependencies only, and runs as the unprivileged
# `node` user. What it contains is proved without a Docker engine by apps/e2e/test/image.e2e-spec.ts, which installs
# the same production dependencies and compiled output into a temporary folder and starts every service from there
# with this file's CMD.

# --- build: every dependency, then the TypeScript compiled to CommonJS (tools/build/compile.ts) ---
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nx.json tsconfig.base.json tsconfig.json ./
COPY apps ./apps
COPY libs ./libs
COPY tools ./tools
RUN node tools/node.cjs tools/build/compile.ts /src/dist
# the web console's static files (apps/console, Vite), served by the gateway under /console (docs/console.md)
RUN npm run build:console

# --- production dependencies only ---
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ---
FROM node:24-slim AS runtime
ENV NODE_ENV=production KAFKAJS_NO_PARTITIONER_WARNING=1
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/apps/console/dist ./apps/console/dist
COPY package.json ./
# files stay root-owned and read-only to the process
USER node
ARG SERVICE=gateway
ENV SERVICE=${SERVICE}
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "dist/tools/stack/healthcheck.js"]
CMD ["sh", "-c", "exec node dist/apps/${SERVICE}/src/main.js"]
