# poolkit in a container: build stage = scripts/release.sh, runtime = slim Debian with the client
# libraries. Not built in this repository's CI (the CI machine has no container engine).
#
#   docker build -t poolkit .
#   docker run --rm -e SOURCE_URL -v "$PWD:/backups" poolkit backup env:SOURCE_URL -o /backups/shop.poolkit
#
# Pass credentials as the engines' tools take them: environment variables (-e PGPASSWORD, or a
# whole URL in -e SOURCE_URL with `env:SOURCE_URL`), or a mounted ~/.pgpass / ~/.my.cnf (mode 0600).

ARG SWIFT_IMAGE=swift:6.3-bookworm

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev libmariadb-dev libsqlite3-dev libzstd-dev libssl-dev pkg-config git \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN bash scripts/release.sh /dist

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 libmariadb3 libsqlite3-0 libzstd1 libssl3 libstdc++6 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /dist/ /tmp/dist/
RUN tar -xzf /tmp/dist/poolkit-*.tar.gz -C /usr/local --strip-components=1 \
    && rm -rf /tmp/dist /usr/local/README.md /usr/local/LICENSE \
    && useradd --system --create-home --home-dir /home/poolkit poolkit
USER poolkit
WORKDIR /home/poolkit
ENTRYPOINT ["poolkit"]
CMD ["--help"]
