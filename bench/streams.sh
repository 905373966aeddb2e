#!/usr/bin/env bash
# Streaming benchmark: what a relayed stream costs in Tollgate (pass-through) against a bare
# Vert.x proxy hop (bench/BareHop.java) and nginx, in one run on this machine.
#
#   bash bench/streams.sh
#
#  1. CPU per stream and per event: wrk sends streamed chat requests at STREAM_CONNECTIONS
#     connections; the fake upstream answers each with 20 content events, a usage event when asked
#     (the gateway asks), then data: [DONE], written back to back. CPU = utime+stime of the proxy ÷ streams.
#  2. Time to first event: StreamProbe, one stream at a time, direct then through the proxy.
#  3. Memory per open stream: streams held open through a fresh gateway (and a fresh bare hop)
#     whose upstream sends the first event and then nothing; RSS and live heap with OPEN_STREAMS/2
#     and with OPEN_STREAMS open, the difference ÷ OPEN_STREAMS/2; with the default GC, the default GC
#     with its heap touched at start, serial GC, and a fixed pre-touched heap (memory outside the heap).
#
# Environment (all optional):
#   BENCH_JAR=target/tollgate.jar  the gateway (and the classpath of the bench programs)
#   STREAM_SECONDS=10              the measured wrk run per target (after 2 warm-up runs as long)
#   STREAM_CONNECTIONS=8
#   TTFE_STREAMS=100               timed stream pairs
#   OPEN_STREAMS=2000              streams held open in the memory scenario (0 = skip it)
#   BENCH_JAVA_OPTS=               extra JVM options for the gateway
#   BENCH_JFR=0                    1: record the gateway's measured CPU run with JFR and print its
#                                  allocation per stream and per event (bench/JfrAlloc.java)
# Loopback only; everything started here is stopped on exit (also on Ctrl-C). ~7 minutes.
set -euo pipefail

BENCH_JAR=${BENCH_JAR:-target/tollgate.jar}
STREAM_SECONDS=${STREAM_SECONDS:-10}
STREAM_CONNECTIONS=${STREAM_CONNECTIONS:-8}
TTFE_STREAMS=${TTFE_STREAMS:-100}
OPEN_STREAMS=${OPEN_STREAMS:-2000}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:-}
BENCH_JFR=${BENCH_JFR:-0}

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench_dir")
cd "$root"
for tool in wrk curl java; do
    command -v "$tool" >/dev/null || { echo "bench: '$tool' is required" >&2; exit 1; }
done
if [[ ! -f $BENCH_JAR ]]; then
    echo "bench: building $BENCH_JAR ..."
    mvn -q -B package -DskipTests
fi
jar=$(realpath "$BENCH_JAR")
nginx_bin=$(command -v nginx || true)
if [[ -z $nginx_bin && -x /usr/sbin/nginx ]]; then nginx_bin=/usr/sbin/nginx; fi

tmp=$(mktemp -d /tmp/tollgate-streams.XXXXXX)
pids=()
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local pid
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    local p=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
    echo "$p"
}
wait_http() {
    local i
    for ((i = 0; i < 600; i++)); do curl -s -o /dev/null --max-time 1 "$1" && return 0; sleep 0.1; done
    echo "bench: $2 did not come up at $1" >&2
    exit 1
}
cpu_ticks() { # utime+stime of the pids (all threads), in clock ticks
    local total=0 pid stat f
    for pid in "$@"; do
        read -r stat <"/proc/$pid/stat" 2>/dev/null || continue
        read -r -a f <<<"${stat##*) }"
        total=$((total + f[11] + f[12]))
    done
    echo "$total"
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
children() { # the pid and its direct children (nginx master + workers)
    local d stat f
    echo "$1"
    for d in /proc/[0-9]*; do
        read -r stat <"$d/stat" 2>/dev/null || continue
        read -r -a f <<<"${stat##*) }"
        if [[ ${f[1]} == "$1" ]]; then echo "${d#/proc/}"; fi
    done
}
val() { sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" <<<"$1"; }
clk_tck=$(getconf CLK_TCK)
start_bg() { # LOG CMD...: starts a server in the background; sets started_pid
    local log=$1
    shift
    "$@" >"$log" 2>&1 &
    started_pid=$!
    pids+=("$started_pid")
}
gateway() { # LOG PORT UPSTREAM_PORT [JAVA_OPTS...]; extra settings in GATEWAY_ENV (NAME=value ...)
    local log=$1 port=$2 up=$3
    shift 3
    # shellcheck disable=SC2086
    start_bg "$log" env ${GATEWAY_ENV:-} HOST=127.0.0.1 PORT="$port" LLM_API_BASE_PATH="http://127.0.0.1:$up/v1" OPENAI_API_KEY=sk-bench \
        TOLLGATE_SHUTDOWN_GRACE_MS=500 TOLLGATE_UPSTREAM_POOL_SIZE=4096 java $BENCH_JAVA_OPTS "$@" -jar "$jar" serve
}

path=/v1/chat/completions
up_port=$(free_port 18300)
start_bg "$tmp/upstream.log" java -cp "$jar" "$bench_dir/FakeUpstream.java" "$up_port" 0
up_pid=$started_pid
tg_port=$(free_port $((up_port + 1)))
jfr_opts=()
if [[ $BENCH_JFR == 1 ]]; then jfr_opts=(-XX:StartFlightRecording=filename="$tmp/gateway.jfr",settings=profile,dumponexit=true); fi
gateway "$tmp/tollgate.log" "$tg_port" "$up_port" "${jfr_opts[@]}"
tg_pid=$started_pid
# The same gateway with the answer-reading policies of the seeds on: response word lists and prompt
# reflection screen every streamed event (the stream passes them unchanged).
pol_port=$(free_port $((tg_port + 1)))
GATEWAY_ENV="POLICY_REQUEST_WORDLIST=profanity:block,dan:redact POLICY_RESPONSE_WORDLIST=profanity:redact,adult:redact POLICY_PROMPT_REFLECTION=redact" \
    gateway "$tmp/policies.log" "$pol_port" "$up_port"
pol_pid=$started_pid
hop_port=$(free_port $((pol_port + 1)))
start_bg "$tmp/hop.log" java -cp "$jar" "$bench_dir/BareHop.java" "$hop_port" "$up_port"
hop_pid=$started_pid
declare -A url=([direct]="http://127.0.0.1:$up_port$path" [tollgate]="http://127.0.0.1:$tg_port$path" [hop]="http://127.0.0.1:$hop_port$path"
    [policies]="http://127.0.0.1:$pol_port$path")
declare -A cpu_pids_of=([tollgate]="$tg_pid" [hop]="$hop_pid" [direct]="$up_pid" [policies]="$pol_pid")
targets=(direct hop tollgate policies)
if [[ -n $nginx_bin ]]; then
    ngx_port=$(free_port $((hop_port + 1)))
    mkdir -p "$tmp/nginx"
    ngx_user=""
    if [[ $EUID == 0 ]]; then ngx_user="user root;"; fi
    cat >"$tmp/nginx/nginx.conf" <<EOF
$ngx_user
daemon off;
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    upstream fake { server 127.0.0.1:$up_port; keepalive 64; }
    server {
        listen 127.0.0.1:$ngx_port;
        location / {
            proxy_pass http://fake;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;   # a streaming proxy: events leave as they come
        }
    }
}
EOF
    start_bg "$tmp/nginx.out" "$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log"
    ngx_pid=$started_pid
    url[nginx]="http://127.0.0.1:$ngx_port$path"
    targets=(direct nginx hop tollgate policies)
fi
wait_http "http://127.0.0.1:$up_port/" "fake upstream"
wait_http "http://127.0.0.1:$tg_port/healthz" "tollgate"
wait_http "http://127.0.0.1:$pol_port/healthz" "tollgate with policies"
wait_http "http://127.0.0.1:$hop_port/" "bare hop"
if [[ -n $nginx_bin ]]; then
    wait_http "http://127.0.0.1:$ngx_port/" "nginx"
    cpu_pids_of[nginx]=$(children "$ngx_pid" | tr '\n' ' ')
fi

# ---- 1. CPU per stream ------------------------------------------------------------------------
declare -A sps cpu_stream p50 errs
tg_streams=0 # every stream the gateway served (JFR covers them all)
for t in "${targets[@]}"; do
    echo "bench: $t: warm-up (2 x ${STREAM_SECONDS}s), then ${STREAM_SECONDS}s measured at $STREAM_CONNECTIONS connections"
    for i in 1 2; do
        line=$(wrk -t2 -c"$STREAM_CONNECTIONS" -d"${STREAM_SECONDS}s" -s "$bench_dir/stream.lua" "${url[$t]}" 2>&1 | grep '^BENCH' || echo "BENCH requests=0")
        if [[ $t == tollgate ]]; then tg_streams=$((tg_streams + $(val "$line" requests))); fi
    done
    # shellcheck disable=SC2086
    before=$(cpu_ticks ${cpu_pids_of[$t]})
    line=$(wrk -t2 -c"$STREAM_CONNECTIONS" -d"${STREAM_SECONDS}s" -s "$bench_dir/stream.lua" "${url[$t]}" 2>&1 | grep '^BENCH' || echo "BENCH requests=0")
    # shellcheck disable=SC2086
    after=$(cpu_ticks ${cpu_pids_of[$t]})
    n=$(val "$line" requests)
    if [[ $t == tollgate ]]; then tg_streams=$((tg_streams + n)); fi
    sps[$t]=$(awk -v n="$n" -v d="$(val "$line" duration_us)" 'BEGIN { printf "%.0f", (d > 0 ? n / (d / 1e6) : 0) }')
    cpu_stream[$t]=$(awk -v t=$((after - before)) -v hz="$clk_tck" -v n="$n" 'BEGIN { printf "%.0f", (n > 0 ? t / hz * 1e6 / n : 0) }')
    p50[$t]=$(val "$line" p50_us)
    errs[$t]=$(($(val "$line" connect_err) + $(val "$line" read_err) + $(val "$line" write_err) + $(val "$line" timeout_err) + $(val "$line" non2xx)))
done
if [[ $BENCH_JFR == 1 ]]; then
    jcmd "$tg_pid" JFR.dump filename="$tmp/gateway.jfr" >/dev/null
fi

# ---- 2. time to first event -------------------------------------------------------------------
declare -A ttfe50 ttfe99 added50 intact
for t in hop tollgate; do
    echo "bench: $t: time to first event ($TTFE_STREAMS pairs, direct then $t)"
    out=$(java -cp "$jar" "$bench_dir/StreamProbe.java" "${url[$t]}" "${url[direct]}" "$TTFE_STREAMS" 1 0 2>&1 || true)
    seq=$(grep '^STREAM phase=seq' <<<"$out" || true)
    ttfe50[$t]=$(val "$seq" ttfe_gateway_p50_us)
    ttfe99[$t]=$(val "$seq" ttfe_gateway_p99_us)
    ttfe50[direct]=$(val "$seq" ttfe_direct_p50_us)
    added50[$t]=$(val "$seq" added_p50_us)
    intact[$t]="$(val "$seq" intact_gateway)/$TTFE_STREAMS"
done

for p in "$tg_pid" "$pol_pid" "$hop_pid" "$up_pid"; do stop_pid "$p"; done
if [[ -n $nginx_bin ]]; then stop_pid "$ngx_pid"; fi

# ---- 3. memory per open stream ----------------------------------------------------------------
# Measured as a slope, so the JVM's start-up and warm-up growth cancel out: OPEN_STREAMS/2 streams
# are opened and held, then OPEN_STREAMS/2 more; per open stream = (second − first) ÷ (OPEN_STREAMS/2).
# Each proxy runs four times: with the JVM's default collector (G1 on a machine this size); the same
# with its heap touched at start (G1 commits an initial heap of 1/64 of the RAM at start and first
# touches its pages over the following minutes, so without this RSS growth counts memory the JVM took
# before any stream, and is not a cost of streams); with the serial collector (what the JVM itself
# picks in a container of under 2 CPUs or 1792 MB); and with a fixed, pre-touched heap (RSS growth =
# memory outside the heap). What a stream needs = its live heap + its memory outside the heap.
declare -A rss_half rss_full per_stream opened heap_half heap_full heap_per_stream # heap_half: the live heap before opening
mem_runs=("hop default" "hop pretouch" "hop serial" "hop fixed" "tollgate default" "tollgate pretouch" "tollgate serial" "tollgate fixed")
# Live heap: what the JVM still holds after a full GC (jcmd's class histogram forces one), in KB.
live_heap_kb() { jcmd "$1" GC.class_histogram 2>/dev/null | awk '/^Total/ { printf "%.0f", $3 / 1024 }'; }
open_streams() { # PORT COUNT OUTFILE: opens COUNT streams, holds them, waits until all had their first event
    java -cp "$jar" "$bench_dir/OpenStreams.java" "http://127.0.0.1:$1$path" "$2" 600 >"$3" 2>&1 &
    open_pid=$!
    pids+=("$open_pid")
    local i
    for ((i = 0; i < 1300; i++)); do grep -q '^OPENED' "$3" && break; sleep 0.1; done
    sleep 3 # let the last first events settle
}
if ((OPEN_STREAMS > 0)); then
    half=$((OPEN_STREAMS / 2))
    slow_port=$(free_port $((up_port + 10)))
    start_bg "$tmp/slow.log" java -cp "$jar" "$bench_dir/FakeUpstream.java" "$slow_port" 3600000
    slow_pid=$started_pid
    wait_http "http://127.0.0.1:$slow_port/" "slow upstream"
    for run in "${mem_runs[@]}"; do
        read -r t gc <<<"$run"
        gc_opts=()
        if [[ $gc == serial ]]; then gc_opts=(-XX:+UseSerialGC); fi
        # A fixed heap, touched whole at start: RSS then grows only by what lives outside the heap
        # (sockets' native state, direct buffers), the part of a stream's cost no heap setting bounds.
        if [[ $gc == fixed ]]; then gc_opts=(-Xms768m -Xmx768m -XX:+AlwaysPreTouch); fi
        if [[ $gc == pretouch ]]; then gc_opts=(-XX:+AlwaysPreTouch); fi
        port=$(free_port $((slow_port + 1)))
        if [[ $t == tollgate ]]; then
            gateway "$tmp/mem-$t-$gc.log" "$port" "$slow_port" "${gc_opts[@]}"
            wait_http "http://127.0.0.1:$port/healthz" "tollgate"
        else
            start_bg "$tmp/mem-$t-$gc.log" java "${gc_opts[@]}" -cp "$jar" "$bench_dir/BareHop.java" "$port" "$slow_port"
            wait_http "http://127.0.0.1:$port/" "bare hop"
        fi
        pid=$started_pid
        echo "bench: $t ($gc GC): memory with $half then $OPEN_STREAMS open streams"
        # Warm-up: the code path loaded and compiled, half the streams opened and closed twice (with
        # less, the JIT's code cache still grows by megabytes during the measured half).
        for _ in 1 2; do
            java -cp "$jar" "$bench_dir/OpenStreams.java" "http://127.0.0.1:$port$path" "$half" 1 >/dev/null 2>&1 || true
        done
        sleep 2
        heap_half[$run]=$(live_heap_kb "$pid") # the baseline: forcing a full GC here touches neither RSS reading's difference
        open_streams "$port" "$half" "$tmp/open1-$t-$gc.txt"
        first_pid=$open_pid
        rss_half[$run]=$(rss_kb "$pid")
        open_streams "$port" "$half" "$tmp/open2-$t-$gc.txt"
        second_pid=$open_pid
        rss_full[$run]=$(rss_kb "$pid")
        heap_full[$run]=$(live_heap_kb "$pid")
        opened[$run]="$(grep -h '^OPENED' "$tmp/open1-$t-$gc.txt" "$tmp/open2-$t-$gc.txt" | awk '{ print $2, $3 }' | paste -sd ' ' -)"
        stop_pid "$first_pid"
        stop_pid "$second_pid"
        stop_pid "$pid"
        per_stream[$run]=$(awk -v a="${rss_full[$run]}" -v b="${rss_half[$run]}" -v n="$half" 'BEGIN { printf "%.1f", (a - b) / n }')
        heap_per_stream[$run]=$(awk -v a="${heap_full[$run]:-0}" -v b="${heap_half[$run]:-0}" -v n="$OPEN_STREAMS" 'BEGIN { printf "%.1f", (a - b) / n }')
    done
    stop_pid "$slow_pid"
fi

# ---- report -----------------------------------------------------------------------------------
{
    echo "# Tollgate streaming benchmark"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), jar $BENCH_JAR," \
        "$(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "Streams: 20 content events (~300 bytes each), a usage event when asked (Tollgate asks, and hides it" \
        "from a caller who did not), data: [DONE]; the upstream writes them back to back. $STREAM_CONNECTIONS connections," \
        "${STREAM_SECONDS}s measured after 2 warm-up runs; CPU = the proxy's utime+stime ÷ streams."
    echo
    echo "| target | streams/s | CPU/stream µs | CPU/event µs | x bare hop | stream p50 µs | errors | TTFE p50 µs | TTFE p99 µs | TTFE added p50 µs |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for t in "${targets[@]}"; do
        events=21
        if [[ $t == tollgate || $t == policies ]]; then events=22; fi # + the usage event it asks for
        per_event=$(awk -v c="${cpu_stream[$t]}" -v e=$events 'BEGIN { printf "%.1f", c / e }')
        ratio=$(awk -v a="${cpu_stream[$t]}" -v b="${cpu_stream[hop]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
        if [[ $t == direct ]]; then ratio="(upstream)"; fi
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$t" "${sps[$t]}" "${cpu_stream[$t]}" "$per_event" "$ratio" \
            "${p50[$t]}" "${errs[$t]}" "${ttfe50[$t]:--}" "${ttfe99[$t]:--}" "${added50[$t]:--}"
    done
    echo
    echo "CPU/event: CPU/stream ÷ the events the proxy relays (Tollgate 22 from the upstream, others 21). policies: Tollgate with response word lists and prompt reflection on." \
        "TTFE: time to first event, one stream at a time (StreamProbe), intact streams: hop ${intact[hop]}, tollgate ${intact[tollgate]}."
    if ((OPEN_STREAMS > 0)); then
        echo
        echo "## Memory per open stream (upstream silent after the first event)"
        echo
        echo "| target | GC | RSS with $half open MB | RSS with $OPEN_STREAMS open MB | RSS per open stream KB | live heap per open stream KB | client (each half) |"
        echo "|---|---|---:|---:|---:|---:|---|"
        for run in "${mem_runs[@]}"; do
            read -r t gc <<<"$run"
            printf '| %s | %s | %.0f | %.0f | %s | %s | %s |\n' "$t" "$gc" "$(awk -v k="${rss_half[$run]}" 'BEGIN { print k / 1024 }')" \
                "$(awk -v k="${rss_full[$run]}" 'BEGIN { print k / 1024 }')" "${per_stream[$run]}" "${heap_per_stream[$run]}" "${opened[$run]}"
        done
        echo
        for t in hop tollgate; do
            # Live heap: the mean of the four runs (they agree within a few per cent); outside the heap: the fixed run's RSS growth.
            need=$(awk -v a="${heap_per_stream[$t default]}" -v b="${heap_per_stream[$t serial]}" -v c="${heap_per_stream[$t fixed]}" \
                -v d="${heap_per_stream[$t pretouch]}" -v o="${per_stream[$t fixed]}" \
                'BEGIN { h = (a + b + c + d) / 4; if (o < 0) o = 0; printf "%.1f KB (live heap %.1f KB + outside the heap %.1f KB)", h + o, h, o }')
            echo "What one open stream needs, $t: $need."
        done
        echo
        echo "Outside the heap: the fixed run's RSS growth, negative readings counted as 0 (RSS moves by a few MB between readings for other reasons: ±5 KB per stream at this count)."
        echo
        echo "Per open stream = (with $OPEN_STREAMS open − with $half open) ÷ $half, after a warm-up of $half streams opened and closed twice." \
            "Live heap per open stream: what is still reachable after a full GC (jcmd GC.class_histogram) with $OPEN_STREAMS open, minus the same before any was opened, ÷ $OPEN_STREAMS. RSS also counts how far the collector grows the heap:" \
            "G1 sizes it for throughput (several times the live heap), the serial collector closer to it. default = the JVM's choice here (G1); pretouch = the same with -XX:+AlwaysPreTouch (RSS grows only when the JVM commits more memory); serial = -XX:+UseSerialGC;" \
            "fixed = -Xms768m -Xmx768m -XX:+AlwaysPreTouch (the heap resident from the start, so RSS grows only by memory outside the heap)."
    fi
    if [[ $BENCH_JFR == 1 ]]; then
        echo
        echo "## Gateway allocation (JFR over its warm-up and measured runs, $tg_streams streams)"
        echo
        echo '```'
        java "$bench_dir/JfrAlloc.java" "$tmp/gateway.jfr" "$tg_streams" 22 25
        echo '```'
    fi
} >"$tmp/report.md"
mkdir -p "$bench_dir/results"
cp "$tmp/report.md" "$bench_dir/results/streams-latest.md"
echo
cat "$tmp/report.md"
echo
echo "bench: written to bench/results/streams-latest.md"
