# Multi-stage build: a static binary on a minimal, non-root runtime image.
# The build step is scripts/build.sh, which a test runs the same way.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN COMMIT=${COMMIT} sh scripts/build.sh /out/rampart ${VERSION}

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rampart /usr/local/bin/rampart
USER 65532:65532
EXPOSE 8080 9901
ENTRYPOINT ["/usr/local/bin/rampart"]
CMD ["--help"]
