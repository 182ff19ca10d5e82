# One image for the manager and both components (register, offline): `node /app/dist/cli/main.js <command>`.
# Built on the current Node LTS; runs as a non-root numeric user so `runAsNonRoot` can be verified.
# The app is laid out by hack/image/layout-app.sh, the same script the real-node tests' image builder
# (test/support/images) runs, so both ship the same files.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY hack/image/layout-app.sh ./hack/image/layout-app.sh
COPY hack/bundle.ts ./hack/bundle.ts
RUN npm run build && bash hack/image/layout-app.sh /src /app

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
USER 65532:65532
# V8 settings for the manager's memory: src/builders/settings.ts (MANAGER_NODE_FLAGS) says why; a test keeps them equal.
ENTRYPOINT ["node", "--max-semi-space-size=4", "--heap-growing-percent=20", "/app/dist/cli/main.js"]
CMD ["manager"]
