-- wrk script: POST a ~1 KB chat completion request and, when done, print one machine-readable
-- "BENCH ..." line (latency in microseconds) for run.sh to parse.

local prompt = "You are reviewing a pull request for an HTTP reverse proxy. The change moves request "
  .. "logging off the event loop, adds a keep-alive pool per event loop for upstream connections, "
  .. "and relays server-sent events chunk by chunk instead of buffering the whole answer. Explain "
  .. "what could go wrong under load: head-of-line blocking, a slow client filling memory, an "
  .. "upstream that stops mid-stream, and clients that disconnect early. Give concrete checks a "
  .. "reviewer can run locally, with the expected output of each, and say which of them would "
  .. "catch a regression in tail latency rather than in the median. Assume two CPU cores, "
  .. "a fake upstream on the same machine and a load generator that keeps a fixed number of connections "
  .. "open; mention how that setup can hide or exaggerate the proxy's own cost. Keep it under 300 words."

wrk.method = "POST"
-- The keyed target: run.sh passes the Tollgate key in BENCH_AUTH.
local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then wrk.headers["Authorization"] = "Bearer " .. auth end
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"gpt-4o-mini","temperature":0.2,"max_tokens":512,"user":"bench",'
  .. '"messages":[{"role":"system","content":"You are a careful senior engineer. Answer precisely and briefly."},'
  .. '{"role":"user","content":"' .. prompt .. '"}]}'

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%.0f p99_us=%.0f connect_err=%d read_err=%d write_err=%d timeout_err=%d non2xx=%d body_bytes=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status, #wrk.body))
end
