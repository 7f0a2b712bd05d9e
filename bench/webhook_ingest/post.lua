-- wrk script: POSTs precomputed signed webhook events (gen_bodies.py), each thread
-- cycling through its own share of the file so every request body is distinct.
-- Usage: wrk ... -s post.lua URL -- BODIES_FILE WRK_THREADS LABEL
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  sigs, bodies = {}, {}
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == tid then
      local tab = line:find("\t", 1, true)
      sigs[#sigs + 1] = line:sub(1, tab - 1)
      bodies[#bodies + 1] = line:sub(tab + 1)
    end
    i = i + 1
  end
  idx, wrapped = 0, 0
  path = wrk.path
end

function request()
  idx = idx + 1
  if idx > #bodies then
    idx, wrapped = 1, 1
  end
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["X-Hub-Signature-256"] = sigs[idx],
  }, bodies[idx])
end

function done(summary, latency, requests)
  local wrapped_any = 0
  for _, t in ipairs(threads) do
    if t:get("wrapped") == 1 then wrapped_any = 1 end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
    "status_errors=%d socket_errors=%d wrapped=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout, wrapped_any))
end
