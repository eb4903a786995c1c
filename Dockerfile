# syntax=docker/dockerfile:1
#
# Masthead in a container: a static binary (the SQLite driver is pure Go,
# so CGO_ENABLED=0) in a distroless image with CA certificates and nothing
# else, run as a non-root user. docs/operations.md, "Container".
#
#   docker build -t masthead .
#   docker run -p 8080:8080 -v masthead-data:/data -e MASTHEAD_BASE_URL=https://news.example masthead

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first, so a code change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/masthead ./cmd/masthead \
 && /out/masthead help >/dev/null \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
# uid and gid 65532 ("nonroot"); the database lives on the volume.
COPY --from=build /out/masthead /masthead
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME /data
ENV MASTHEAD_ADDR=0.0.0.0:8080 \
    MASTHEAD_DB=sqlite:/data/masthead.db \
    MASTHEAD_LOG_FORMAT=json \
    MASTHEAD_DRAIN_DELAY=3s \
    MASTHEAD_SHUTDOWN_GRACE=5s
EXPOSE 8080
# The binary asks itself: the image has no shell and no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/masthead", "health", "--url", "http://127.0.0.1:8080/readyz", "--timeout", "4s"]
ENTRYPOINT ["/masthead"]
CMD ["serve"]
