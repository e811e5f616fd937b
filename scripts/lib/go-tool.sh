# Sourced by scripts that build a Go program from the module proxy into a cache outside the
# clone: `go_tool_main NAME PACKAGE VERSION LDFLAGS [build|path]` prints the binary's path,
# building it once (one builder at a time; parallel callers wait) with a throwaway module cache.

go_tool_main() {
  local name=$1 pkg=$2 version=$3 ldflags=$4 verb=${5:-build}
  local cache="${CNPG_TOOLS_CACHE:-$HOME/.cache/cnpg-ts}"
  local bin="$cache/bin/$name" stamp="$cache/bin/$name.version" me
  me="$(basename "$0")"
  case "$verb" in
    path) echo "$bin"; return 0 ;;
    build) ;;
    *) echo "usage: $0 build|path" >&2; return 2 ;;
  esac
  fresh() { [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$pkg@$version" ]]; }
  if fresh; then echo "$bin"; return 0; fi
  mkdir -p "$cache/bin"
  exec 9>"$cache/bin/.$name.lock"
  flock 9
  if fresh; then echo "$bin"; return 0; fi

  local go
  go="$(command -v go || true)"
  [[ -n "$go" ]] || go=/usr/local/go/bin/go
  [[ -x "$go" ]] || { echo "$me: Go is not installed (looked in PATH and /usr/local/go/bin)" >&2; return 1; }

  WORK="$cache/gobuild-$name"
  # Go makes its module cache read-only; make it writable so it can be removed.
  go_tool_cleanup() { [[ -d "$WORK" ]] && chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"; }
  go_tool_cleanup
  trap go_tool_cleanup EXIT
  mkdir -p "$WORK"

  echo "$me: building $pkg@$version (a few minutes, once)..." >&2
  local start=$SECONDS
  (
    cd "$WORK"
    export GOPATH="$WORK/gopath" GOMODCACHE="$WORK/gopath/pkg/mod" GOCACHE="$WORK/gocache" GOBIN="$WORK/bin"
    export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
    "$go" install -trimpath -ldflags="$ldflags" "$pkg@$version" >&2
  )
  mv -f "$WORK/bin/$name" "$bin.tmp"
  mv -f "$bin.tmp" "$bin"
  echo "$pkg@$version" > "$stamp"
  echo "$me: built $bin in $((SECONDS - start)) s" >&2
  echo "$bin"
}
