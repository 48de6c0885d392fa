# The hub's image: `ai-orchestrator serve` with the production dependencies from the lock and the
# compiled dist/, run as a non-root user. deploy/build-images.sh builds it from a context holding only
# what the package ships (bin, dist, docker, package.json, package-lock.json, the config schema).
#
# BASE_IMAGE must provide node and npm under /usr/local on Debian: node:24-slim from a registry, or
# ai-orchestrator-base:local assembled offline by docker/build-base.sh.
ARG BASE_IMAGE=node:24-slim

FROM ${BASE_IMAGE}
ARG HUB_IMAGE_VERSION=1
WORKDIR /opt/ai-orchestrator
# extra-ca.crt, when the context has it, holds the certificates of a TLS-intercepting proxy between
# this machine and the npm registry. The glob lets it be absent.
COPY package.json package-lock.json extra-ca.cr[t] ./
# Install scripts stay off: `prepare` compiles the sources, which the context brings compiled, and
# no production dependency needs a native build.
RUN if [ -s extra-ca.crt ]; then export NODE_EXTRA_CA_CERTS=$PWD/extra-ca.crt; fi \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier \
 && rm -rf /root/.npm extra-ca.crt
COPY bin ./bin
COPY dist ./dist
COPY docker ./docker
COPY config.schema.json config.example.yaml ./
# npm is a build tool here: the running hub never installs anything.
RUN ln -s /opt/ai-orchestrator/bin/ai-orchestrator.js /usr/local/bin/ai-orchestrator \
 && rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
 && useradd --uid 10001 --user-group --create-home --home-dir /home/aio --shell /usr/sbin/nologin aio \
 && mkdir -p /var/lib/ai-orchestrator/secrets \
 && chown -R aio:aio /var/lib/ai-orchestrator \
 && chmod 0700 /var/lib/ai-orchestrator/secrets \
 && ai-orchestrator --version

LABEL dev.ai-orchestrator.hub-image-version="${HUB_IMAGE_VERSION}" \
      org.opencontainers.image.title="ai-orchestrator hub" \
      org.opencontainers.image.description="The ai-orchestrator hub: one authenticated HTTP door for Anthropic, OpenAI and Gemini clients"

# The home holds provider keys under secrets/<provider> (mounted from compose secrets or a Kubernetes
# Secret); the store lives in PostgreSQL (AI_ORCHESTRATOR_STORE_URL) when several replicas share it.
ENV AI_ORCHESTRATOR_HOME=/var/lib/ai-orchestrator \
    NODE_ENV=production \
    NO_UPDATE_NOTIFIER=1
USER aio
EXPOSE 8787
ENTRYPOINT ["ai-orchestrator"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8787"]
