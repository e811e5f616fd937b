#!/usr/bin/env bash
# Builds the S3-compatible server that the tests run (test/support/s3.ts), from Go modules, into a
# cache outside the repo, and prints the binary's path.
#
#   scripts/s3-server.sh build   build once (skipped when the right version is there); print the path
#   scripts/s3-server.sh path    print the path it would have, without building
#
# Why MinIO: the most widely used S3 stand-in for the clients we use (boto3 in barman-cloud, the AWS JS
# SDK v3): path-style addressing, SigV4, ListObjectsV2 pagination,
# DeleteObjects and multipart uploads all behave as on AWS, and its single-drive mode keeps objects
# on disk, so data survives a restart. Its releases are tagged RELEASE.<date>, not
# semver, so the Go proxy serves them as pseudo-versions; VERSION below is the last commit on its
# default branch (2026-02-12). It is a test tool only, never shipped with cnpg-ts.
# Cold build (empty module and build caches, CGO off, this 2-core machine): 5 min 1 s wall in all,
# i.e. 284 s of download + compile and ~15 s removing the caches; later calls return at once.
# The module and build caches are thrown away afterwards (over 1 GB); only the binary (110 MB) stays.
# Runs as `minio server --address 127.0.0.1:PORT DIR` with MINIO_ROOT_USER/MINIO_ROOT_PASSWORD.
set -euo pipefail

MODULE=github.com/minio/minio
VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

. "$(dirname "$0")/lib/go-tool.sh"
go_tool_main minio "$MODULE" "$VERSION" '-s -w' "${1:-}"
