#!/usr/bin/env bash
# Tollgate benchmark: the same ~1 KB chat completion request sent (1) straight to a fast fake
# upstream, (2) through nginx as a plain reverse proxy, (3) through Tollgate, all in one run on
# this machine, plus a streaming probe. Prints a table and writes bench/results/latest.md.
#
#   bash bench/run.sh
#
# Targets: direct (the fake upstream), nginx, tollgate (pass-through, metrics on as by default),
# nometrics (the same with TOLLGATE_METRICS_ENABLED=false), traced (pass-through with OpenTelemetry
# tracing on, every request sampled, spans exported to bench/OtlpSink.java), policies (every local
# policy on), keyed (key mode: key lookup, rate limits, budget and ledger on every request),
# shared (key mode as keyed, with limits and budgets in Redis and keys and the ledger in
# PostgreSQL, as replicas run).
#
# Environment (all optional):
#   BENCH_SECONDS=10      length of each measured wrk run
#   WARMUP_SECONDS=5      one warm-up round; rounds repeat until req/s stops rising by >5%
#   WARMUP_MAX_ROUNDS=5   (a JVM on 2 cores needs ~20 s of load before its JIT settles)
#   BENCH_CONNECTIONS=32  connections of the throughput run
#   BENCH_STREAMS=200     timed stream pairs of the streaming probe (50x as many warm it up)
#   BENCH_PIN=1           latency runs: load generator on CPU 0, servers on the last CPU (0 = off);
#                         the benchmark's own Redis on CPU 0 too, as a service on another host
#   BENCH_JAVA_OPTS=      extra JVM options for the gateway
#   BENCH_KEEP_LOGS=1     keep the temp dir (gateway request log, nginx config, wrk output)
#   BENCH_METRICS_PAIRS=3 extra throughput runs of tollgate and nometrics, alternating: the cost of the
#                         metrics is the median of the pairs' differences; 0 = none
#   BENCH_PORT=18100      where the search for free ports starts (the servers take the next free ones)
#   BENCH_ONLY=           measure only these targets (space-separated, e.g. "keyed shared"); direct always
#   BENCH_SHARED=auto     the shared target: auto = when redis-server, psql and PostgreSQL are there;
#                         1 = required; 0 = skipped
#   BENCH_PG=127.0.0.1:5432  PostgreSQL for the shared target (user BENCH_PG_USER=postgres, trust auth);
#                         a database tg_bench_<random> is created in it and dropped at the end
#   BENCH_REDIS_URL=      Redis for the shared target; unset: a redis-server of the benchmark's own on
#                         a free port (no persistence), so that the round trips counted are this
#                         gateway's alone (a shared Redis sees other clients' commands too)
set -euo pipefail

BENCH_SECONDS=${BENCH_SECONDS:-10}
WARMUP_SECONDS=${WARMUP_SECONDS:-5}
WARMUP_MAX_ROUNDS=${WARMUP_MAX_ROUNDS:-5}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-32}
BENCH_STREAMS=${BENCH_STREAMS:-200}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:-}
BENCH_KEEP_LOGS=${BENCH_KEEP_LOGS:-0}
BENCH_PIN=${BENCH_PIN:-1}
BENCH_SHARED=${BENCH_SHARED:-auto}
BENCH_ONLY=${BENCH_ONLY:-}
BENCH_METRICS_PAIRS=${BENCH_METRICS_PAIRS:-3}
BENCH_PG=${BENCH_PG:-127.0.0.1:5432}
BENCH_PG_USER=${BENCH_PG_USER:-postgres}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-}

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench_dir")
cd "$root"

# ---- prerequisites ---------------------------------------------------------------------------

for tool in wrk curl java; do
    if ! command -v "$tool" >/dev/null; then
        echo "bench: '$tool' is required. On Debian/Ubuntu: apt-get install -y $tool (java: openjdk-17-jdk-headless)" >&2
        exit 1
    fi
done
ncpu=$(nproc)
if [[ $BENCH_PIN == 1 ]] && { ((ncpu < 2)) || ! command -v taskset >/dev/null; }; then
    echo "bench: no CPU pinning (needs 2+ CPUs and taskset from util-linux)" >&2
    BENCH_PIN=0
fi
have_nginx=0
nginx_bin=$(command -v nginx || true)
if [[ -z $nginx_bin && -x /usr/sbin/nginx ]]; then nginx_bin=/usr/sbin/nginx; fi # not on a user's PATH
if [[ -n $nginx_bin ]]; then have_nginx=1; fi

have_shared=0
if [[ $BENCH_SHARED != 0 ]]; then
    missing=""
    for tool in psql redis-cli; do command -v "$tool" >/dev/null || missing+=" $tool"; done
    if [[ -z $BENCH_REDIS_URL ]] && ! command -v redis-server >/dev/null; then missing+=" redis-server"; fi
    if [[ -z $missing ]] && psql -h "${BENCH_PG%:*}" -p "${BENCH_PG##*:}" -U "$BENCH_PG_USER" -d test -Atqc 'SELECT 1' >/dev/null 2>&1; then
        have_shared=1
    elif [[ $BENCH_SHARED == 1 ]]; then
        echo "bench: the shared target needs PostgreSQL at $BENCH_PG (database 'test', trust auth) and Redis (missing:${missing:- none})." \
            "On Debian/Ubuntu: apt-get install -y postgresql redis-server" >&2
        exit 1
    else
        echo "bench: shared target skipped (needs PostgreSQL at $BENCH_PG and redis-server/redis-cli/psql; BENCH_SHARED=1 to require it)" >&2
    fi
fi

jar=${BENCH_JAR:-target/tollgate.jar} # BENCH_JAR: measure another build (run both builds in one session)
if [[ ! -f $jar && $jar == target/tollgate.jar ]]; then
    echo "bench: building $jar ..."
    mvn -q -B package -DskipTests
fi

# ---- process bookkeeping: everything started here is stopped on exit --------------------------

tmp=$(mktemp -d /tmp/tollgate-bench.XXXXXX)
pids=()

stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

shared_db=""
cleanup() {
    local pid
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    if [[ -n $shared_db ]]; then pg -d test -c "DROP DATABASE IF EXISTS $shared_db WITH (FORCE)" >/dev/null 2>&1 || true; fi
    if [[ $BENCH_KEEP_LOGS == 1 ]]; then
        echo "bench: logs kept in $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg() { psql -h "${BENCH_PG%:*}" -p "${BENCH_PG##*:}" -U "$BENCH_PG_USER" -Atq "$@"; }

# A port nothing listens on, at or above $1.
free_port() {
    local p=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
    echo "$p"
}

# Waits until a URL answers (any HTTP status), or gives up after 60 s.
wait_http() {
    local url=$1 name=$2 i
    for ((i = 0; i < 600; i++)); do
        curl -s -o /dev/null --max-time 1 "$url" && return 0
        sleep 0.1
    done
    echo "bench: $name did not come up at $url" >&2
    exit 1
}

# utime+stime in clock ticks, summed over the given pids (a process's stat covers all its threads).
cpu_ticks() {
    local total=0 pid stat f
    for pid in "$@"; do
        read -r stat <"/proc/$pid/stat" 2>/dev/null || continue # gone: nothing more to add
        read -r -a f <<<"${stat##*) }" # fields after "(comm) ", starting at field 3
        total=$((total + f[11] + f[12]))
    done
    echo "$total"
}

# The pid and its direct children (nginx master + workers).
with_children() {
    local parent=$1 d stat f
    echo "$parent"
    for d in /proc/[0-9]*; do
        # Not $(<file): with set -e, bash 5.2 exits when that file has vanished.
        read -r stat <"$d/stat" 2>/dev/null || continue
        read -r -a f <<<"${stat##*) }"
        if [[ ${f[1]} == "$parent" ]]; then echo "${d#/proc/}"; fi
    done
}

clk_tck=$(getconf CLK_TCK)

# Latency runs are pinned: on a small VM, whether two threads that hand a request to each other
# share a CPU changes a 1-connection p50 by ~3x from run to run; pinning makes it repeatable.
last_cpu=$((ncpu - 1))
pin_servers() {
    local pid
    [[ $BENCH_PIN == 1 ]] || return 0
    for pid in "${server_pids[@]}"; do taskset -a -p -c "$1" "$pid" >/dev/null; done
    # Services the gateway calls out to (Redis) go on CPU 0 while the servers are pinned, back to all after.
    for pid in "${outside_pids[@]}"; do taskset -a -p -c "$([[ $1 == "$last_cpu" ]] && echo 0 || echo "$1")" "$pid" >/dev/null; done
}
client_cpu() {
    if [[ $BENCH_PIN == 1 ]]; then echo "taskset -c 0"; fi
}
# How busy the machine is before we start (%, over 1 s): other work skews every number here.
busy_pct() {
    local a b
    read -r -a a </proc/stat
    sleep 1
    read -r -a b </proc/stat
    awk -v busy=$(((b[1] + b[2] + b[3] + b[6] + b[7] + b[8]) - (a[1] + a[2] + a[3] + a[6] + a[7] + a[8]))) \
        -v idle=$(((b[4] + b[5]) - (a[4] + a[5]))) 'BEGIN { printf "%.0f", (busy + idle > 0 ? 100 * busy / (busy + idle) : 0) }'
}
busy_before=$(busy_pct)
if ((busy_before > 10)); then
    echo "bench: warning: the machine is already ${busy_before}% busy; other processes will add noise" >&2
fi

# ---- start the fake upstream, nginx, tollgate ------------------------------------------------

up_port=$(free_port "${BENCH_PORT:-18100}") # BENCH_PORT: another range, when another benchmark runs beside this one
java -cp "$jar" "$bench_dir/FakeUpstream.java" "$up_port" >"$tmp/upstream.log" 2>&1 &
up_pid=$!
pids+=("$up_pid")

if [[ $have_nginx == 1 ]]; then
    ngx_port=$(free_port $((up_port + 1)))
    mkdir -p "$tmp/nginx"
    ngx_user=""
    if [[ $EUID == 0 ]]; then ngx_user="user root;"; fi # workers would otherwise drop to nobody
    cat >"$tmp/nginx/nginx.conf" <<EOF
# Plain reverse proxy, tuned only as any production config would be: keep-alive to the upstream.
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
        }
    }
}
EOF
    "$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" &
    ngx_pid=$!
    pids+=("$ngx_pid")
fi

tg_port=$(free_port $((up_port + 2)))
# shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of options
HOST=127.0.0.1 PORT=$tg_port LLM_API_BASE_PATH="http://127.0.0.1:$up_port/v1" OPENAI_API_KEY=sk-bench \
    TOLLGATE_SHUTDOWN_GRACE_MS=2000 \
    java $BENCH_JAVA_OPTS -jar "$jar" serve >"$tmp/tollgate.log" 2>"$tmp/tollgate.err" &
tg_pid=$!
pids+=("$tg_pid")

# The same gateway with metrics off: tollgate − nometrics is what recording the metrics costs.
nom_port=$(free_port $((up_port + 7)))
HOST=127.0.0.1 PORT=$nom_port LLM_API_BASE_PATH="http://127.0.0.1:$up_port/v1" OPENAI_API_KEY=sk-bench \
    TOLLGATE_SHUTDOWN_GRACE_MS=2000 TOLLGATE_METRICS_ENABLED=false \
    java $BENCH_JAVA_OPTS -jar "$jar" serve >"$tmp/nometrics.log" 2>"$tmp/nometrics.err" &
nom_pid=$!
pids+=("$nom_pid")

# The same gateway with every local policy on (all but auto-moderation, which by design makes a
# second upstream call): the cost of the policy pass.
pol_port=$(free_port $((up_port + 3)))
HOST=127.0.0.1 PORT=$pol_port LLM_API_BASE_PATH="http://127.0.0.1:$up_port/v1" OPENAI_API_KEY=sk-bench \
    TOLLGATE_SHUTDOWN_GRACE_MS=2000 \
    POLICY_DISABLED_MODELS=gpt-4-32k POLICY_ALLOWED_MODELS=gpt-4o-mini,gpt-4o POLICY_ENFORCE_USER_IDS=true \
    POLICY_MAX_TOKENS=1000 POLICY_MAX_PROMPT_CHARS=20000 TOLLGATE_MAX_PROMPT_TOKENS=8000 \
    POLICY_REQUEST_WORDLIST=profanity:block,adult:block,dan:redact,custom:audit \
    POLICY_RESPONSE_WORDLIST=profanity:redact,adult:redact POLICY_CUSTOM_WORDLIST="project falcon" \
    POLICY_PROMPT_REFLECTION=redact POLICY_AUTOREPLY='[{"type":"chat","request":"ping me","response":"pong"}]' \
    java $BENCH_JAVA_OPTS -jar "$jar" serve >"$tmp/policies.log" 2>"$tmp/policies.err" &
pol_pid=$!
pids+=("$pol_pid")

# Tracing on, every request sampled (OTEL_TRACES_SAMPLER=always_on), spans exported over OTLP/HTTP
# to a sink standing in for a collector: the cost of tracing.
otlp_port=$(free_port $((up_port + 9)))
java -cp "$jar" "$bench_dir/OtlpSink.java" "$otlp_port" >"$tmp/otlp-sink.log" 2>&1 &
otlp_pid=$!
pids+=("$otlp_pid")
trc_port=$(free_port $((up_port + 10)))
HOST=127.0.0.1 PORT=$trc_port LLM_API_BASE_PATH="http://127.0.0.1:$up_port/v1" OPENAI_API_KEY=sk-bench \
    TOLLGATE_SHUTDOWN_GRACE_MS=2000 \
    OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$otlp_port" OTEL_TRACES_SAMPLER=always_on OTEL_SERVICE_NAME=tollgate-bench \
    java $BENCH_JAVA_OPTS -jar "$jar" serve >"$tmp/traced.log" 2>"$tmp/traced.err" &
trc_pid=$!
pids+=("$trc_pid")

# Key mode: each request is authenticated by key, checked against rate limits of the key, its user
# and its team (all high enough never to refuse), reserves and settles a dollar budget, is priced,
# and writes a ledger row: the cost of "who may call and how much".
key_port=$(free_port $((up_port + 4)))
HOST=127.0.0.1 PORT=$key_port LLM_API_BASE_PATH="http://127.0.0.1:$up_port/v1" OPENAI_API_KEY=sk-bench \
    TOLLGATE_SHUTDOWN_GRACE_MS=2000 TOLLGATE_ADMIN_TOKEN=bench-admin-token TOLLGATE_DATABASE="$tmp/keyed.db" \
    java $BENCH_JAVA_OPTS -jar "$jar" serve >"$tmp/keyed.log" 2>"$tmp/keyed.err" &
key_pid=$!
pids+=("$key_pid")

# Shared: the keyed gateway's work with the counters in Redis and the keys and ledger in PostgreSQL.
if [[ $have_shared == 1 ]]; then
    shared_db=tg_bench_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
    pg -d test -c "CREATE DATABASE $shared_db" >/dev/null
    if [[ -z $BENCH_REDIS_URL ]]; then
        redis_port=$(free_port $((up_port + 5)))
        redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$tmp/redis.log" 2>&1 &
        redis_pid=$!
        pids+=("$redis_pid")
        BENCH_REDIS_URL=redis://127.0.0.1:$redis_port
    fi
    redis_host_port=${BENCH_REDIS_URL#redis://}
    redis_host_port=${redis_host_port%%/*}
    rcli() { redis-cli -h "${redis_host_port%:*}" -p "${redis_host_port##*:}" "$@"; }
    for ((i = 0; i < 100; i++)); do rcli PING >/dev/null 2>&1 && break; sleep 0.1; done
    shared_prefix="tgbench:$shared_db:"
    shared_port=$(free_port $((up_port + 6)))
    mkdir -p "$tmp/shared-data"
    HOST=127.0.0.1 PORT=$shared_port LLM_API_BASE_PATH="http://127.0.0.1:$up_port/v1" OPENAI_API_KEY=sk-bench \
        TOLLGATE_SHUTDOWN_GRACE_MS=2000 TOLLGATE_ADMIN_TOKEN=bench-admin-token \
        TOLLGATE_DATABASE="jdbc:postgresql://$BENCH_PG/$shared_db" TOLLGATE_DATABASE_USER="$BENCH_PG_USER" \
        TOLLGATE_REDIS_URL="$BENCH_REDIS_URL" TOLLGATE_REDIS_PREFIX="$shared_prefix" TOLLGATE_DATA_DIR="$tmp/shared-data" \
        java $BENCH_JAVA_OPTS -jar "$jar" serve >"$tmp/shared.log" 2>"$tmp/shared.err" &
    shared_pid=$!
    pids+=("$shared_pid")
fi

wait_http "http://127.0.0.1:$up_port/" "fake upstream"
if [[ $have_nginx == 1 ]]; then wait_http "http://127.0.0.1:$ngx_port/" "nginx"; fi
wait_http "http://127.0.0.1:$tg_port/healthz" "tollgate"
wait_http "http://127.0.0.1:$nom_port/healthz" "tollgate without metrics"
wait_http "http://127.0.0.1:$pol_port/healthz" "tollgate with policies"
wait_http "http://127.0.0.1:$key_port/healthz" "tollgate in key mode"
wait_http "http://127.0.0.1:$otlp_port/stats" "OTLP sink"
wait_http "http://127.0.0.1:$trc_port/healthz" "tollgate with tracing"
server_pids=("$up_pid" "$tg_pid" "$nom_pid" "$pol_pid" "$key_pid" "$trc_pid" "$otlp_pid")
outside_pids=()
if [[ $have_shared == 1 ]]; then
    wait_http "http://127.0.0.1:$shared_port/healthz" "tollgate in key mode with Redis and PostgreSQL"
    server_pids+=("$shared_pid")
    # Not with the servers: in the latency runs Redis stands for a service on another host, so it
    # gets the load generator's CPU rather than taking turns with the gateway on its one CPU.
    if [[ -n ${redis_pid:-} ]]; then outside_pids+=("$redis_pid"); fi
fi
if [[ $have_nginx == 1 ]]; then mapfile -t -O "${#server_pids[@]}" server_pids < <(with_children "$ngx_pid"); fi

admin() { curl -s -H "Authorization: Bearer bench-admin-token" -H 'Content-Type: application/json' "$@"; }
# The same user, team and key on a key-mode gateway at port $1; prints the key.
make_bench_key() {
    local port=$1
    admin -X PUT -d '{"limits":{"rpm":1000000000,"rph":1000000000}}' "http://127.0.0.1:$port/admin/v1/users/bench" >/dev/null
    admin -X PUT -d '{"limits":{"rpd":1000000000},"budget":{"amount_usd":1000000,"period":"monthly"}}' \
        "http://127.0.0.1:$port/admin/v1/teams/perf" >/dev/null
    admin -d '{"name":"bench","user":"bench","team":"perf","limits":{"rpm":1000000000,"tpm":1000000000000,"concurrent":100000},
        "budget":{"amount_usd":1000000,"period":"total"}}' "http://127.0.0.1:$port/admin/v1/keys" | sed -n 's/.*"key":"\(tg-[^"]*\)".*/\1/p'
}
bench_key=$(make_bench_key "$key_port")
if [[ -z $bench_key ]]; then
    echo "bench: could not create a key on the key-mode gateway" >&2
    exit 1
fi
declare -A auth_of=([keyed]=$bench_key)
if [[ $have_shared == 1 ]]; then
    auth_of[shared]=$(make_bench_key "$shared_port")
    if [[ -z ${auth_of[shared]} ]]; then
        echo "bench: could not create a key on the shared-state gateway" >&2
        exit 1
    fi
fi

path=/v1/chat/completions
declare -A url=([direct]="http://127.0.0.1:$up_port$path" [tollgate]="http://127.0.0.1:$tg_port$path")
targets=(direct)
if [[ $have_nginx == 1 ]]; then
    url[nginx]="http://127.0.0.1:$ngx_port$path"
    targets+=(nginx)
fi
targets+=(tollgate nometrics traced policies keyed)
url[nometrics]="http://127.0.0.1:$nom_port$path"
url[traced]="http://127.0.0.1:$trc_port$path"
url[policies]="http://127.0.0.1:$pol_port$path"
url[keyed]="http://127.0.0.1:$key_port$path"
if [[ $have_shared == 1 ]]; then
    targets+=(shared)
    url[shared]="http://127.0.0.1:$shared_port$path"
fi
if [[ -n $BENCH_ONLY ]]; then
    chosen=(direct)
    for t in "${targets[@]}"; do
        if [[ $t != direct && " $BENCH_ONLY " == *" $t "* ]]; then chosen+=("$t"); fi
    done
    targets=("${chosen[@]}")
fi
shared_measured=0
if [[ " ${targets[*]} " == *" shared "* ]]; then shared_measured=1; fi

# Noise check: CPU used by processes that are not part of the benchmark (other builds, tests),
# as % of the machine. Other work on a 2-core box moves every number here, the p99s most.
# Processes alive at the end are counted (from their start if they began in between).
proc_ticks() {
    local d s f
    for d in /proc/[0-9]*; do
        read -r s <"$d/stat" 2>/dev/null || continue
        read -r -a f <<<"${s##*) }"
        echo "${d#/proc/} $((f[11] + f[12]))"
    done
}
noise_start() { # FILE
    proc_ticks >"$1"
    date +%s%3N >"$1.ms"
}
noise_pct() { # FILE from noise_start
    proc_ticks >"$tmp/ticks.now"
    awk -v own=" ${server_pids[*]} ${outside_pids[*]} $$ " -v cap="$((($(date +%s%3N) - $(cat "$1.ms")) * clk_tck * ncpu / 1000))" '
        NR == FNR { before[$1] = $2; next }
        index(own, " " $1 " ") == 0 { d = $2 - ($1 in before ? before[$1] : 0); if (d > 0) sum += d }
        END { printf "%.0f", (cap > 0 ? 100 * sum / cap : 0) }' "$1" "$tmp/ticks.now"
}
noise_start "$tmp/ticks.start"

# ---- sanity: every target answers the benchmark request like the upstream does --------------

req_body='{"model":"gpt-4o-mini","user":"bench","messages":[{"role":"user","content":"hello"}]}'
curl -s -o "$tmp/direct.json" -H 'Content-Type: application/json' -d "$req_body" "${url[direct]}"
declare -A identical
for t in "${targets[@]}"; do
    code=$(curl -s -o "$tmp/$t.json" -w '%{http_code}' -H 'Content-Type: application/json' -H "Authorization: Bearer ${auth_of[$t]:-$bench_key}" \
        -d "$req_body" "${url[$t]}")
    if [[ $code == 200 ]] && cmp -s "$tmp/direct.json" "$tmp/$t.json"; then
        identical[$t]=yes
    else
        identical[$t]="NO (HTTP $code)"
        echo "bench: warning: $t answered HTTP $code / a different body than the upstream" >&2
    fi
done

# ---- load ------------------------------------------------------------------------------------

# Runs a command in the background and waits for it: a signal then stops the benchmark at once
# (the EXIT trap also stops the command). Output goes to the file $1; the exit status is returned.
run_bg() {
    local out=$1 pid rc=0
    shift
    "$@" >"$out" 2>&1 &
    pid=$!
    pids+=("$pid")
    wait "$pid" || rc=$?
    unset 'pids[-1]'
    return "$rc"
}

# Runs wrk; sets bench_line to its BENCH line (see post.lua). The full output stays in $tmp.
wrk_run() {
    local name=$1 target=$2 threads=$3 conns=$4 secs=$5 pin=${6:-} out
    out=$tmp/wrk-$target-$name.txt
    # shellcheck disable=SC2086 # $pin is a command prefix or empty
    noise_start "$tmp/ticks.run"
    local auth=${auth_of[$target]:-}
    run_bg "$out" env BENCH_AUTH="$auth" $pin wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 5s --latency -s "$bench_dir/post.lua" \
        "${url[$target]}" || true
    bench_line="$(grep '^BENCH ' "$out" || echo "BENCH requests=0") other_cpu=$(noise_pct "$tmp/ticks.run")"
}

# Value of key=... in a BENCH/STREAM line; val0 gives 0 when absent.
val() { sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" <<<"$1"; }
val0() { local v; v=$(val "$1" "$2"); echo "${v:-0}"; }

declare -A p50 p99 rps cpu errs warm_rounds noise
upstream_cpu=""
# Warm-up rounds until req/s stops rising by more than 5% (at least 2 rounds); sets warm to the
# rounds' BENCH lines.
warm_up() {
    local t=$1 i prev=0 cur
    warm=""
    for ((i = 1; i <= WARMUP_MAX_ROUNDS; i++)); do
        wrk_run "warmup$i" "$t" 2 "$BENCH_CONNECTIONS" "$WARMUP_SECONDS"
        warm+="$bench_line"$'\n'
        cur=$(val0 "$bench_line" requests)
        if ((i > 1 && cur * 100 <= prev * 105)); then break; fi
        prev=$cur
    done
}

echo "bench: ${#targets[@]} targets (${targets[*]}): warm-up rounds of ${WARMUP_SECONDS}s, then 2 x ${BENCH_SECONDS}s each; streaming probe after"
# Warm every target before measuring any: the fake upstream is a JVM too, and serves all three.
declare -A warm_lines
for t in "${targets[@]}"; do
    echo -n "bench: $t: warm-up"
    warm_up "$t"
    warm_lines[$t]=$warm
    warm_rounds[$t]=$(grep -c '^BENCH' <<<"$warm")
    echo " ($((warm_rounds[$t] * WARMUP_SECONDS))s)"
done

for t in "${targets[@]}"; do
    case $t in
        direct) cpu_pids=("$up_pid") ;;
        nginx) mapfile -t cpu_pids < <(with_children "$ngx_pid") ;;
        tollgate) cpu_pids=("$tg_pid") ;;
        nometrics) cpu_pids=("$nom_pid") ;;
        traced) cpu_pids=("$trc_pid") ;; # the gateway's own CPU, exporting included; the sink's is apart
        policies) cpu_pids=("$pol_pid") ;;
        keyed) cpu_pids=("$key_pid") ;;
        shared) cpu_pids=("$shared_pid") ;; # the gateway's own CPU; Redis's is reported apart
    esac

    echo "bench: $t: latency, 1 connection"
    pin_servers "$last_cpu"
    wrk_run c1 "$t" 1 1 "$BENCH_SECONDS" "$(client_cpu)"
    lat=$bench_line
    pin_servers "0-$last_cpu"
    p50[$t]=$(val "$lat" p50_us)
    p99[$t]=$(val "$lat" p99_us)
    noise[$t]=$(val "$lat" other_cpu)

    echo "bench: $t: throughput, $BENCH_CONNECTIONS connections"
    before=$(cpu_ticks "${cpu_pids[@]}")
    if [[ $t == shared && -n ${redis_pid:-} ]]; then redis_before=$(cpu_ticks "$redis_pid"); fi
    wrk_run "c$BENCH_CONNECTIONS" "$t" 2 "$BENCH_CONNECTIONS" "$BENCH_SECONDS"
    thr=$bench_line
    after=$(cpu_ticks "${cpu_pids[@]}")
    if [[ $t == shared && -n ${redis_pid:-} ]]; then
        redis_cpu=$(awk -v t=$(($(cpu_ticks "$redis_pid") - redis_before)) -v hz="$clk_tck" -v n="$(val0 "$thr" requests)" \
            'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }')
    fi
    n=$(val0 "$thr" requests)
    rps[$t]=$(awk -v n="$n" -v d="$(val "$thr" duration_us)" 'BEGIN { printf "%.0f", (d > 0 ? n / (d / 1e6) : 0) }')
    cpu[$t]=$(awk -v t=$((after - before)) -v hz="$clk_tck" -v n="$n" 'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }')
    if [[ $t == direct ]]; then upstream_cpu=${cpu[$t]}; fi
    noise[$t]+="/$(val "$thr" other_cpu)"

    # Errors over all three runs: socket errors plus non-2xx/3xx answers.
    e=0
    while read -r line; do
        for k in connect_err read_err write_err timeout_err non2xx; do e=$((e + $(val0 "$line" $k))); done
    done <<<"${warm_lines[$t]}$lat"$'\n'"$thr"
    errs[$t]=$e
    if [[ $n == 0 ]]; then errs[$t]="wrk failed"; fi
done

# The metrics' cost is a few µs in a figure that moves by more than that between runs on a shared VM:
# alternate throughput runs of the gateway with metrics (tollgate) and without (nometrics), each pair
# in the other order than the one before, and take the median of the pairs' differences.
metrics_pairs=""
if [[ -n ${cpu[tollgate]:-} && -n ${cpu[nometrics]:-} ]] && ((BENCH_METRICS_PAIRS > 0)); then
    echo "bench: metrics on/off: $BENCH_METRICS_PAIRS alternating pairs of ${BENCH_SECONDS}s throughput runs"
    pair_diffs=()
    for ((i = 1; i <= BENCH_METRICS_PAIRS; i++)); do
        order=(tollgate nometrics)
        if ((i % 2 == 0)); then order=(nometrics tollgate); fi
        declare -A pair_cpu=()
        for t in "${order[@]}"; do
            pid_of=$tg_pid
            if [[ $t == nometrics ]]; then pid_of=$nom_pid; fi
            before=$(cpu_ticks "$pid_of")
            wrk_run "pair$i" "$t" 2 "$BENCH_CONNECTIONS" "$BENCH_SECONDS"
            after=$(cpu_ticks "$pid_of")
            pair_cpu[$t]=$(awk -v t=$((after - before)) -v hz="$clk_tck" -v n="$(val0 "$bench_line" requests)" 'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }')
        done
        pair_diffs+=("$(awk -v a="${pair_cpu[tollgate]}" -v b="${pair_cpu[nometrics]}" 'BEGIN { printf "%+.1f", a - b }')")
        metrics_pairs+="${metrics_pairs:+; }${pair_cpu[tollgate]} vs ${pair_cpu[nometrics]}"
    done
    metrics_median=$(printf '%s\n' "${pair_diffs[@]}" | sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); printf "%+.1f", m }')
fi

# Redis round trips of the shared target, counted, not assumed: MONITOR lists every command a
# client sends (commands a script runs inside Redis are marked "lua" and are not round trips)
# during a short run of its own at 1 connection, apart from the measured runs (MONITOR slows Redis).
if [[ $shared_measured == 1 ]]; then
    echo "bench: shared: Redis round trips (MONITOR during 3 s at 1 connection)"
    rcli MONITOR >"$tmp/monitor.txt" 2>&1 &
    monitor_pid=$!
    pids+=("$monitor_pid")
    sleep 0.5
    wrk_run monitor shared 1 1 3
    sleep 0.5 # the last settlement is sent after the answer
    stop_pid "$monitor_pid"
    unset 'pids[-1]'
    rtt_requests=$(val0 "$bench_line" requests)
    # Lines look like: 1733318000.123456 [0 127.0.0.1:40000] "evalsha" "…" …; script-issued ones have [0 lua].
    grep '^[0-9]' "$tmp/monitor.txt" | grep -v '\[[0-9]* lua\]' >"$tmp/monitor-client.txt" || true
    rtt_total=$(wc -l <"$tmp/monitor-client.txt")
    rtt_by_cmd=$(awk '{ c = tolower($4); gsub(/"/, "", c); n[c]++ } END { for (k in n) printf "%s %d\n", k, n[k] }' "$tmp/monitor-client.txt" \
        | sort -k2,2nr | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')
    rtt_per_req=$(awk -v a="$rtt_total" -v n="$rtt_requests" 'BEGIN { printf "%.2f", (n > 0 ? a / n : 0) }')
fi

# Many streams first: they check integrity under concurrency and warm the gateway's stream path,
# which the plain-request load above does not exercise (with 1000, first-event delay is ~2x).
stream_load=$((BENCH_STREAMS * 50))
echo "bench: streaming probe ($stream_load streams 64 at once, then $BENCH_STREAMS pairs one at a time)"
stream_rc=0
run_bg "$tmp/stream-load.txt" java -cp "$jar" "$bench_dir/StreamProbe.java" \
    "${url[tollgate]}" "${url[direct]}" 0 64 "$stream_load" || stream_rc=$?
pin_servers "$last_cpu" # timed like the latency runs
# shellcheck disable=SC2046 # client_cpu is a command prefix or empty
run_bg "$tmp/stream-seq.txt" $(client_cpu) java -cp "$jar" "$bench_dir/StreamProbe.java" \
    "${url[tollgate]}" "${url[direct]}" "$BENCH_STREAMS" 1 0 || stream_rc=$?
pin_servers "0-$last_cpu"
cat "$tmp/stream-load.txt" "$tmp/stream-seq.txt" >"$tmp/stream.txt"
load_line=$(grep '^STREAM phase=load' "$tmp/stream.txt" || true)
seq_line=$(grep '^STREAM phase=seq' "$tmp/stream.txt" || true)

other_pct=$(noise_pct "$tmp/ticks.start")
if ((other_pct > 5)); then
    echo "bench: warning: other processes used ${other_pct}% of the machine during the run; numbers are noisy" >&2
fi

# Stop the gateway now so its asynchronous request log is flushed before it is measured.
# What the scrape shows after the run (metrics on): the requests the gateway counted.
metrics_scrape=$(curl -s "http://127.0.0.1:$tg_port/metrics" || true)
metrics_2xx=$(sed -n 's/^tollgate_requests_total{endpoint="\/v1\/chat\/completions",status_class="2xx"} //p' <<<"$metrics_scrape")
stop_pid "$tg_pid"
stop_pid "$nom_pid"
metrics_series=$(grep -vc '^#' <<<"$metrics_scrape" || true)
stop_pid "$pol_pid"
stop_pid "$key_pid"
stop_pid "$trc_pid" # SIGTERM exports the spans still queued
otlp_stats=$(curl -s "http://127.0.0.1:$otlp_port/stats" || true)
traced_lines=$(grep -c '"type":"request"' "$tmp/traced.log" || true)
traced_dropped=$({ grep -o 'BatchSpanProcessor dropped [0-9]* span' "$tmp/traced.log" || true; } | awk '{ s += $3 } END { print s + 0 }')
key_lines=$(grep -c '"type":"request"' "$tmp/keyed.log" || true)
if [[ $have_shared == 1 ]]; then
    stop_pid "$shared_pid" # SIGTERM writes what its ledger still queues
    shared_answered=$(grep '"type":"request"' "$tmp/shared.log" | grep -c '"endpoint":"/v1/chat/completions","method":"POST","status":200' || true)
    shared_rows=$(pg -d "$shared_db" -c "SELECT COUNT(*) FROM ledger WHERE status = 200" 2>/dev/null || echo "?")
    shared_dropped=$(grep -o 'ledger queue full: [0-9]* rows dropped' "$tmp/shared.log" | tail -1 | grep -o '[0-9]\+' || echo 0)
    shared_spooled=$(grep -c 'ledger database unreachable' "$tmp/shared.log" || true)
fi
key_ledger=$(java -cp "$jar" "$bench_dir/LedgerCount.java" "$tmp/keyed.db" 2>/dev/null || echo "?")
log_bytes=$(stat -c %s "$tmp/tollgate.log")
log_lines=$(grep -c '"type":"request"' "$tmp/tollgate.log" || true)
log_status=$(grep -o '"type":"request","endpoint":"[^"]*","method":"[A-Z]*","status":[0-9]*' "$tmp/tollgate.log" \
    | sed 's/.*"status"://' | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep=", " }' || true)
log_errors=$(grep -c '"error":true' "$tmp/tollgate.log" || true)
app_warnings=$(grep -v '"type":"request"' "$tmp/tollgate.log" | grep -c '"level":"\(warn\|error\)"' || true)
client_requests=0
for f in "$tmp"/wrk-tollgate-*.txt; do [[ -f $f ]] || continue; client_requests=$((client_requests + $(val0 "$(grep '^BENCH' "$f")" requests))); done

# ---- report ----------------------------------------------------------------------------------

sub() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "n/a"; else printf "%+d", a - b }'; }

report=$tmp/report.md
{
    echo "# Tollgate benchmark"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)," \
        "$(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1))," \
        "CPU busy before the run: ${busy_before}%, used by other processes during it: ${other_pct}%"
    echo "$(java -version 2>&1 | head -1); $([[ $have_nginx == 1 ]] && "$nginx_bin" -v 2>&1); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
    echo "Request: POST $path, $(val "$lat" body_bytes)-byte JSON body; answer: fixed chat.completion JSON from bench/FakeUpstream.java."
    echo "First every target is warmed up at $BENCH_CONNECTIONS connections until req/s settles" \
        "($(for t in "${targets[@]}"; do echo -n "$t $((warm_rounds[$t] * WARMUP_SECONDS))s "; done | sed 's/ $//; s/s /s, /g'));" \
        "then each gets ${BENCH_SECONDS}s at 1 connection (latency$([[ $BENCH_PIN == 1 ]] && echo ", wrk on CPU 0, upstream and proxy on CPU $last_cpu$([[ ${#outside_pids[@]} -gt 0 ]] && echo ", the benchmark's Redis on CPU 0 as a service on another host would be")"))," \
        "then ${BENCH_SECONDS}s at $BENCH_CONNECTIONS connections (throughput, CPU; unpinned: wrk, upstream and proxy share all $ncpu cores)."
    echo
    echo "| target   |   p50 µs |   p99 µs |   +p50 µs |   +p99 µs |     req/s | CPU/req µs | errors | same answer | other CPU % |"
    echo "|----------|---------:|---------:|----------:|----------:|----------:|-----------:|-------:|-------------|------------:|"
    for t in "${targets[@]}"; do
        if [[ $t == direct ]]; then
            added50="-"; added99="-"; c="-"
        else
            added50=$(sub "${p50[$t]}" "${p50[direct]}"); added99=$(sub "${p99[$t]}" "${p99[direct]}"); c=${cpu[$t]}
        fi
        printf '| %-8s | %8s | %8s | %9s | %9s | %9s | %10s | %6s | %-11s | %11s |\n' \
            "$t" "${p50[$t]}" "${p99[$t]}" "$added50" "$added99" "${rps[$t]}" "$c" "${errs[$t]}" "${identical[$t]}" "${noise[$t]}"
    done
    echo
    echo "p50/p99: wrk latency at 1 connection; +p50/+p99: minus direct (on a small VM a 1-connection p99 moves by" \
        "up to ~1 ms between identical runs: compare p50s, repeat the run before trusting a p99)." \
        "req/s at $BENCH_CONNECTIONS connections. errors: socket errors + non-2xx over all runs of that target." \
        "other CPU %: share of the machine used by processes not in the benchmark during the latency/throughput run" \
        "(above a few %, rerun)." \
        "CPU/req: utime+stime of the proxy (nginx master+workers; the java process) during the throughput run ÷ requests."
    echo "For scale: the fake upstream itself used $upstream_cpu µs CPU/req in the direct run."
    if [[ -z ${cpu[tollgate]:-} ]]; then
        : # pass-through not measured (BENCH_ONLY)
    elif [[ $have_nginx == 1 && -n ${cpu[nginx]:-} ]]; then
        echo
        echo "**tollgate CPU/req ÷ nginx CPU/req = $(awk -v a="${cpu[tollgate]}" -v b="${cpu[nginx]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')**"
    else
        echo
        echo "nginx not installed: nginx column skipped (apt-get install -y nginx to include it)."
    fi
    if [[ -n ${cpu[nometrics]:-} && -n ${cpu[tollgate]:-} ]]; then
        echo
        echo "**metrics: tollgate CPU/req − nometrics CPU/req = $(awk -v a="${cpu[tollgate]}" -v b="${cpu[nometrics]}" 'BEGIN { printf "%+.1f", a - b }') µs**" \
            "(target: at most +5 µs). tollgate records every metric by default; nometrics is the same gateway with" \
            "TOLLGATE_METRICS_ENABLED=false. After the run /metrics held $metrics_series series and counted ${metrics_2xx:-?} answered chat completions."
        if [[ -n $metrics_pairs ]]; then
            echo
            echo "**metrics, $BENCH_METRICS_PAIRS alternating pairs: median tollgate − nometrics = $metrics_median µs CPU/req**" \
                "(each pair's CPU/req with metrics vs without: $metrics_pairs)."
        fi
    fi
    [[ -n ${cpu[policies]:-} && -n ${cpu[tollgate]:-} ]] && echo && echo "**policies CPU/req ÷ tollgate CPU/req = $(awk -v a="${cpu[policies]}" -v b="${cpu[tollgate]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')**" \
        "(policies: the same gateway with model rules, user ids, max tokens, prompt size in chars and tokens, request and" \
        "response word lists, prompt reflection and auto-reply all on; the request passes them all)"
    if [[ -n ${cpu[traced]:-} && -n ${cpu[tollgate]:-} ]]; then
        echo
        echo "**traced CPU/req − tollgate CPU/req = $(awk -v a="${cpu[traced]}" -v b="${cpu[tollgate]}" 'BEGIN { printf "%+.1f", a - b }') µs**" \
            "(traced: the same gateway with OpenTelemetry tracing on and every request sampled, 4 spans a request exported" \
            "over OTLP/HTTP to bench/OtlpSink.java; the sink received $(val " $otlp_stats" spans) spans in $(val " $otlp_stats" exports)" \
            "exports ($(val " $otlp_stats" bytes) bytes) for $traced_lines request lines; the batch processor dropped $traced_dropped spans (queue full))"
    fi
    echo
    if [[ -n ${cpu[keyed]:-} && -n ${cpu[tollgate]:-} ]]; then
        echo "**keyed CPU/req − tollgate CPU/req = $(awk -v a="${cpu[keyed]}" -v b="${cpu[tollgate]}" 'BEGIN { printf "%+.1f", a - b }') µs**" \
            "(keyed: key mode, the request authenticated by a tg- key; rate limits of the key (rpm, tpm, concurrent), its user (rpm, rph)" \
            "and its team (rpd); budgets of the key and the team reserved and settled; the call priced and written to the ledger." \
            "The ledger holds $key_ledger rows for $key_lines request lines.)"
    fi
    if [[ $shared_measured == 1 ]]; then
        echo
        echo "**shared CPU/req − keyed CPU/req = $(awk -v a="${cpu[shared]}" -v b="${cpu[keyed]}" 'BEGIN { printf "%+.1f", a - b }') µs;" \
            "shared p50 − keyed p50 = $(sub "${p50[shared]}" "${p50[keyed]}") µs** (targets: at most +60 µs and +300 µs)." \
            "shared: key mode as keyed, with every limit and budget counted in Redis ($([[ -n ${redis_pid:-} ]] && echo "the benchmark's own redis-server, no persistence" || echo "$BENCH_REDIS_URL"))" \
            "and keys and the ledger in PostgreSQL ($(pg -d test -c 'SHOW server_version' 2>/dev/null), database $shared_db on $BENCH_PG)."
        echo
        echo "- Redis round trips per request: **$rtt_per_req** ($rtt_total commands sent for $rtt_requests requests, counted with MONITOR:" \
            "$rtt_by_cmd)$([[ -n ${redis_cpu:-} ]] && echo "; Redis CPU during the throughput run: $redis_cpu µs/req")"
        echo "- Ledger: $shared_rows rows written for $shared_answered answered calls; dropped: ${shared_dropped:-0};" \
            "flushes that had to spool: $shared_spooled"
    fi
    echo
    echo "## Streaming (tollgate vs direct, \"stream\":true, 20 chunks ~1 ms apart, then [DONE])"
    echo
    if [[ -n $seq_line ]]; then
        echo "| measure | direct | tollgate | added |"
        echo "|---|---:|---:|---:|"
        echo "| time to first event p50 µs | $(val "$seq_line" ttfe_direct_p50_us) | $(val "$seq_line" ttfe_gateway_p50_us) | $(val "$seq_line" added_p50_us) |"
        echo "| time to first event p99 µs | $(val "$seq_line" ttfe_direct_p99_us) | $(val "$seq_line" ttfe_gateway_p99_us) | $(val "$seq_line" added_p99_us) |"
        echo
        echo "- one at a time: $(val "$seq_line" intact_gateway)/$BENCH_STREAMS streams intact via tollgate," \
            "$(val "$seq_line" intact_direct)/$BENCH_STREAMS direct; first event arrived >10 ms before the end of the stream in" \
            "$(val "$seq_line" first_event_before_end)/$BENCH_STREAMS (relayed as it came, not buffered);" \
            "whole stream p50 $(val "$seq_line" stream_total_gateway_p50_us) µs"
        echo "- 64 at once (also the warm-up): $(val "$load_line" intact)/$stream_load intact via tollgate"
        echo "- half the streams ask for include_usage (must get exactly one usage chunk), half do not (must get none)"
    else
        echo "streaming probe failed to run (exit $stream_rc):"
        echo '```'
        tail -20 "$tmp/stream.txt"
        echo '```'
    fi
    if grep -q '^STREAM_ERROR' "$tmp/stream.txt"; then
        echo
        echo "Broken streams (first 10):"
        echo '```'
        grep '^STREAM_ERROR' "$tmp/stream.txt" | sed 's/^STREAM_ERROR //'
        echo '```'
    fi
    echo
    echo "## Tollgate request log"
    echo
    echo "$log_lines request lines, $((log_bytes / 1024)) KiB ($(awk -v b="$log_bytes" -v n="$log_lines" 'BEGIN { printf "%.0f", (n > 0 ? b / n : 0) }') bytes/line)," \
        "status: ${log_status:-none}; lines with \"error\":true: $log_errors; application warnings/errors: $app_warnings." \
        "wrk counted $client_requests completed requests to tollgate (+ $((stream_load + BENCH_STREAMS + 20)) streams and 1 sanity request;" \
        "a few more lines than that, some 499, are requests in flight when wrk closed its connections)."
} >"$report"

mkdir -p "$bench_dir/results"
cp "$report" "$bench_dir/results/latest.md"
echo
cat "$report"
echo
echo "bench: written to bench/results/latest.md"
if [[ $stream_rc != 0 ]]; then
    echo "bench: the streaming probe found broken streams (see above)" >&2
    exit 1
fi
