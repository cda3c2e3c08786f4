# Multi-stage build: compile with dev dependencies, run with production dependencies only.
# Node 20, as in CI; any major inside package.json's engines range works (test/engines.e2e-spec.ts).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ormconfig.ts ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
# The heap limit makes V8 collect garbage before growing: without it an API or worker under load
# grows past 300 MB resident although it keeps far less alive (BENCHMARKS.md, memory). Same as npm start.
ENV NODE_ENV=production NODE_OPTIONS=--max-old-space-size=160
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# PROCESS_ROLE picks api, worker or all (the default); see README.
CMD ["node", "dist/src/main.js"]
