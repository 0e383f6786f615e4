# syntax=docker/dockerfile:1
# armature-planner-arm: goals into plans, scene prompts into scene plans (gRPC 50052, metrics 9092).
# Build from the repository root with scripts/build-images.sh (it also checks this file):
#   scripts/build-images.sh planner-arm
# or by hand: docker build -f deploy/docker/planner-arm.Dockerfile -t armature-planner-arm:0.1.0 .

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
 && cmake --build /build --target armature-planner-arm \
 && strip --strip-unneeded /build/services/planner_arm/armature-planner-arm

# ---- runtime: Debian 12 slim with the shared libraries the binary links (no compilers).
# scripts/build-images.sh --check compares this list with `ldd` of a built binary.
FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates \
      libabsl20220623 libjemalloc2 libcurl4 libfmt9 libgrpc++1.51 libgrpc29 \
      libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libprotobuf32 \
      libspdlog1.10 libyaml-cpp0.7 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/services/planner_arm/armature-planner-arm /usr/local/bin/armature-planner-arm
# Default configuration (arm registry, LLM chain example, prompts): --prompts_dir=config/prompts
# resolves against this working directory. Kubernetes mounts its ConfigMaps over /etc/armature.
COPY config /usr/share/armature/config
WORKDIR /usr/share/armature
USER 65532:65532
EXPOSE 50052 9092
ENTRYPOINT ["/usr/local/bin/armature-planner-arm", "--listen=0.0.0.0:50052", "--metrics_listen=0.0.0.0:9092"]
