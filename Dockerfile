# One image for the hub's processes; docker-compose.yml picks the entry point.
FROM node:20-bookworm-slim
WORKDIR /hub
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY core/package.json core/package.json
COPY collector/package.json collector/package.json
COPY api/package.json api/package.json
COPY web/package.json web/package.json
COPY cli/package.json cli/package.json
# Dev dependencies too: the UI is built here (vite); NODE_ENV=production applies at run time.
RUN NODE_ENV=development npm ci --no-audit --no-fund
COPY core core
COPY collector collector
COPY api api
COPY web web
COPY cli cli
COPY tsconfig.json ./
RUN npm run build -w @obshub/web
# The collector's write-ahead log lives here: mount a volume so acknowledged data survives restarts.
# Created and owned by the runtime user before VOLUME, so a fresh named volume is writable.
RUN mkdir -p /hub/.hub-data/wal && chown -R node:node /hub/.hub-data
VOLUME ["/hub/.hub-data"]
USER node
CMD ["node", "--import", "tsx", "collector/src/main.ts"]
