# syntax=docker/dockerfile:1
# flexport-agent and flexport-sim on Debian 12, in two stages:
#   build:   the -dev packages, cmake and ninja; compiles the two binaries;
#   runtime: debian:12-slim with only the shared libraries they link, a non-root user.
#
#   docker build -t flexport-agent:0.1.0 .
#   docker run --rm -p 8080:8080 -p 127.0.0.1:9464:9464 \
#     -e FLEXPORT_API_KEY -e FLEXPORT_WEBHOOK_SECRET \
#     -e FLEXPORT_AGENT_FORWARD_TO=http://app:3000/webhooks/flexport \
#     -v flexport-agent-data:/var/lib/flexport-agent flexport-agent:0.1.0

FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config git ca-certificates \
      prometheus-cpp-dev libcurl4-openssl-dev libcpp-httplib-dev libtomlplusplus-dev \
      nlohmann-json3-dev libsqlite3-dev libssl-dev libyaml-cpp-dev libre2-dev libcli11-dev \
      libgtest-dev libgmock-dev libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build --target flexport-agent flexport-sim -j"$(nproc)" \
 && strip /build/agent/flexport-agent /build/sim/flexport-sim \
 && /build/agent/flexport-agent --version

FROM debian:12-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libcurl4 libssl3 libsqlite3-0 libpq5 libprometheus-cpp-core1.0 \
      libcpp-httplib0.11 libre2-9 libtomlplusplus3 libyaml-cpp0.7 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 flexport-agent \
 && useradd --system --uid 10001 --gid flexport-agent --no-create-home \
      --home-dir /var/lib/flexport-agent --shell /usr/sbin/nologin flexport-agent \
 && install -d -o flexport-agent -g flexport-agent -m 0700 /var/lib/flexport-agent
COPY --from=build /build/agent/flexport-agent /build/sim/flexport-sim /usr/local/bin/
COPY deploy/docker/agent.toml /etc/flexport-agent/agent.toml
COPY rules/prometheus/flexport.rules.yml /usr/local/share/flexport-agent/flexport.rules.yml
COPY dashboards/*.json /usr/local/share/flexport-agent/dashboards/

USER 10001:10001
WORKDIR /var/lib/flexport-agent
VOLUME ["/var/lib/flexport-agent"]
# 8080 public (webhooks), 9464 internal (/metrics, /healthz, /readyz, /api/v1),
# 9465 egress proxy to the Flexport API.
EXPOSE 8080 9464 9465
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/flexport-agent"]
CMD ["run", "-c", "/etc/flexport-agent/agent.toml", "--log-format", "json"]
