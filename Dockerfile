# Sunplug on a home gateway: `docker build -t sunplug . && docker run -p 8080:8080 -p 8887:8887 -v sunplug:/data sunplug`
FROM node:22-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

FROM node:22-bookworm-slim
# Without a config file Sunplug runs its demo; mount one and set SUNPLUG_CONFIG=/data/sunplug.yaml for a real site.
ENV NODE_ENV=production SUNPLUG_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json LICENSE NOTICE ./
COPY bin ./bin
COPY src ./src
COPY web ./web
COPY devices ./devices
COPY config ./config
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080 8887
CMD ["node", "bin/sunplug.js", "start"]
