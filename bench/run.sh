#!/usr/bin/env bash
# The benchmark of issue 5: each scenario against ferry and its peers, side by
# side in one run, on free loopback ports. Called by `make bench`.
#
#   bench/run.sh [--servers "ferry node raw nchan"] [--scenarios "fanout idle"]
#                [--repeat N] [--no-build] [--no-setup]
# Environment (sizes of issue 5 by default): SUBSCRIBERS=1000 MESSAGES=2000
#   SIZE=100 WINDOW=8 IDLE_CLIENTS=10000 FERRY_WORKERS=0 (one per core)
#   NCHAN_WORKERS=auto BUILD_DIR=build-bench
#
# Server CPU comes from /proc/<pid>/stat (utime+stime, every process of the
# server: nginx's workers too) between the first publish and the last
# delivery; RSS from /proc/<pid>/status. Results: one JSON line per run in
# bench/results/<UTC time>.jsonl, and the table of medians and ferry/peer
# ratios on the terminal and in bench/results/latest.md.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build-bench}"
[[ "$build_dir" = /* ]] || build_dir="$root/$build_dir"

servers="ferry node raw nchan"
scenarios="fanout idle"
repeat=3
do_build=1
do_setup=1
while (($#)); do
  case "$1" in
    --servers) servers="$2"; shift 2 ;;
    --scenarios) scenarios="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --no-setup) do_setup=0; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

SUBSCRIBERS="${SUBSCRIBERS:-1000}"
MESSAGES="${MESSAGES:-2000}"
SIZE="${SIZE:-100}"
WINDOW="${WINDOW:-8}"
IDLE_CLIENTS="${IDLE_CLIENTS:-10000}"
FERRY_WORKERS="${FERRY_WORKERS:-0}"
NCHAN_WORKERS="${NCHAN_WORKERS:-auto}"

# Enough descriptors for 10,000 clients on each side of the loopback.
want_fds=$((IDLE_CLIENTS + 1024))
hard=$(ulimit -Hn)
if [[ "$hard" != unlimited && "$hard" -lt "$want_fds" ]]; then
  echo "run.sh: the hard limit on open files is $hard; $IDLE_CLIENTS idle clients need $want_fds" >&2
  IDLE_CLIENTS=$((hard - 1024))
  echo "run.sh: idle scenario reduced to $IDLE_CLIENTS clients" >&2
  want_fds=$hard
fi
ulimit -n "$want_fds"

if ((do_setup)); then "$here/setup.sh"; fi
if ((do_build)); then
  if [[ ! -f "$build_dir/build.ninja" ]]; then
    # -Wno-error=restrict: g++ 12 at -O3 reports a false -Wrestrict inside
    # std::string (src/engineio/engine.cpp); -g keeps perf profiles readable.
    cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFERRY_BUILD_BENCH=ON \
      "-DCMAKE_CXX_FLAGS=-g -Wno-error=restrict" > /dev/null
  fi
  cmake --build "$build_dir" --target loadgen ferry_bench_server raw_ceiling
fi
bin="$build_dir/bench"

mkdir -p "$here/results"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
results="$here/results/$stamp.jsonl"
tmp="$(mktemp -d /tmp/ferry-bench.XXXXXX)"

server_pid=""
server_pids=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    sleep 0.3
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Waits (at most 15 s) until the port accepts connections.
wait_port() {
  local port=$1 i
  for ((i = 0; i < 150; i++)); do
    if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then return 0; fi
    if ! kill -0 "$server_pid" 2> /dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

# start_server NAME: sets server_pid, server_pids (every process to sample),
# sub_url (subscriber URL), proto (loadgen protocol) and pub_url.
start_server() {
  local name=$1 port
  port=$(free_port)
  local log="$tmp/$name.log"
  case "$name" in
    ferry|ferry-store)
      local store=none
      [[ "$name" == ferry-store ]] && store=memory
      "$bin/ferry_bench_server" --port "$port" --workers "$FERRY_WORKERS" --store "$store" > "$log" 2>&1 &
      server_pid=$!
      sub_url="http://127.0.0.1:$port/socket.io/?room=r"; proto=sio ;;
    node)
      node "$here/peers/node_server.mjs" --port "$port" > "$log" 2>&1 &
      server_pid=$!
      sub_url="http://127.0.0.1:$port/socket.io/?room=r"; proto=sio ;;
    raw)
      "$bin/raw_ceiling" --port "$port" > "$log" 2>&1 &
      server_pid=$!
      sub_url="http://127.0.0.1:$port/ws?room=r"; proto=ws ;;
    nchan|nchan-sse)
      local dir="$tmp/nginx-$port"
      mkdir -p "$dir"
      sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@WORKERS@|$NCHAN_WORKERS|g" \
        "$here/peers/nchan.conf.template" > "$dir/nginx.conf"
      nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -g 'daemon off;' > "$log" 2>&1 &
      server_pid=$!
      sub_url="http://127.0.0.1:$port/sub?room=r"; proto=ws
      [[ "$name" == nchan-sse ]] && proto=sse ;;
    *) echo "run.sh: unknown server $name" >&2; return 1 ;;
  esac
  pub_url="http://127.0.0.1:$port/publish?room=r"
  if ! wait_port "$port"; then
    echo "run.sh: $name did not start:" >&2
    cat "$log" >&2
    return 1
  fi
  server_pids="$server_pid"
  local child
  for child in $(pgrep -P "$server_pid" || true); do server_pids="$server_pids,$child"; done
}

stop_server() {
  [[ -z "$server_pid" ]] && return 0
  kill -TERM "$server_pid" 2> /dev/null || true
  local i
  for ((i = 0; i < 30; i++)); do
    kill -0 "$server_pid" 2> /dev/null || break
    sleep 0.1
  done
  kill -KILL "$server_pid" 2> /dev/null || true
  wait "$server_pid" 2> /dev/null || true
  server_pid=""
}

# run_one SCENARIO SERVER: one fresh server, one measurement, one JSON line.
run_one() {
  local scenario=$1 name=$2 line rc=0
  start_server "$name" || return 0
  case "$scenario" in
    fanout)
      line=$(timeout 300 "$bin/loadgen" subscribe --proto "$proto" --url "$sub_url" --clients "$SUBSCRIBERS" \
        --messages "$MESSAGES" --size "$SIZE" --publish "$pub_url" --window "$WINDOW" --pid "$server_pids" \
        --timeout 240 --stall 10 --label "$scenario/$name" 2> "$tmp/loadgen.err") || rc=$? ;;
    idle)
      line=$(timeout 300 "$bin/loadgen" idle --proto "$proto" --url "$sub_url" --clients "$IDLE_CLIENTS" \
        --pid "$server_pids" --timeout 120 --settle 2 --label "$scenario/$name" 2> "$tmp/loadgen.err") || rc=$? ;;
    *) echo "run.sh: unknown scenario $scenario" >&2; stop_server; return 0 ;;
  esac
  stop_server
  if [[ -z "$line" ]]; then
    echo "run.sh: $scenario/$name produced no result (exit $rc):" >&2
    cat "$tmp/loadgen.err" >&2
    return 0
  fi
  ((rc == 0)) || echo "run.sh: $scenario/$name exit $rc: $(tail -1 "$tmp/loadgen.err")" >&2
  echo "{\"scenario\":\"$scenario\",\"server\":\"$name\",\"time\":\"$stamp\",\"result\":$line}" >> "$results"
  echo "  $scenario/$name: $(node -e '
    const r = JSON.parse(process.argv[1]);
    if (r.mode === "idle") console.log(`${r.connected}/${r.clients} connected at ${Math.round(r.connect_rate)}/s, ${r.kib_per_connection.toFixed(2)} KiB/conn`);
    else console.log(`${Math.round(r.deliveries_per_s)} deliveries/s, ${r.cpu_us_per_delivery.toFixed(3)} CPU-µs/delivery, lost ${r.lost}, dup ${r.duplicates}`);
  ' "$line")"
}

echo "bench: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "bench: servers [$servers], scenarios [$scenarios], $repeat run(s) each; results in ${results#$root/}"
for scenario in $scenarios; do
  for ((i = 1; i <= repeat; i++)); do
    for name in $servers; do
      run_one "$scenario" "$name"
    done
  done
done

node "$here/summarize.mjs" "$results" "$here/results/latest.md"
