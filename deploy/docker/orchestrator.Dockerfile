# syntax=docker/dockerfile:1
# armature-orchestrator: accepts tasks and drives them through the arms (gRPC 50051, metrics 9091).
# Its SQLite store lives in the volume /data (a PersistentVolumeClaim in Kubernetes).
# Build from the repository root with scripts/build-images.sh (it also checks this file):
#   scripts/build-images.sh orchestrator
# or by hand: docker build -f deploy/docker/orchestrator.Dockerfile -t armature-orchestrator:0.1.0 .

# ---- build: Debian 12 toolchain and -dev packages; compiles only this binary.
FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev libabsl-dev \
      prometheus-cpp-dev libyaml-cpp-dev nlohmann-json3-dev libsqlite3-dev \
      libcurl4-openssl-dev libspdlog-dev libjemalloc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY proto proto
COPY libs libs
COPY services services
COPY tools tools
COPY config config
COPY fuzz fuzz
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DARMATURE_BUILD_TESTS=OFF -DARMATURE_BUILD_BENCH=OFF \
 && cmake --build /build --target armature-orchestrator \
 && strip --strip-unneeded /build/services/orchestrator/armature-orchestrator

# ---- runtime: Debian 12 slim with the shared libraries the binary links (no compilers), and the
# sqlite3 shell for online backups of the store (docs/deployment.md).
# scripts/build-images.sh --check compares this list with `ldd` of a built binary.
FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      sqlite3 \
      libabsl20220623 libjemalloc2 libfmt9 libgrpc++1.51 libgrpc29 \
      libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libprotobuf32 \
      libspdlog1.10 libsqlite3-0 libyaml-cpp0.7 \
 && mkdir -p /data && chown 65532:65532 /data \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/services/orchestrator/armature-orchestrator /usr/local/bin/armature-orchestrator
# Default configuration (pipelines) for reference; the binary has the same pipelines built in.
# Kubernetes mounts its ConfigMaps under /etc/armature.
COPY config /usr/share/armature/config
WORKDIR /usr/share/armature
USER 65532:65532
VOLUME /data
EXPOSE 50051 9091
ENTRYPOINT ["/usr/local/bin/armature-orchestrator", "--listen=0.0.0.0:50051", "--metrics_listen=0.0.0.0:9091", "--store=sqlite:///data/armature.db"]
