# Redis for deploy/compose.yaml where no image registry is reachable: Debian's redis-server on the
# offline base, run in the foreground like the official image (`redis-server [options]`).
ARG BASE_IMAGE=ai-orchestrator-base:local
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
 && mkdir -p /data && chown redis:redis /data
USER redis
WORKDIR /data
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no"]
