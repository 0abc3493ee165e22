-- wrk script for scripts/serve/load_test.sh: POSTs one infer body and counts every answer that
-- is not 200 or whose body differs from the reference answer (the server is deterministic for
-- a fixed input without dynamic batching).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local function read(path)
    local f = assert(io.open(path, "rb"))
    local text = f:read("*a")
    f:close()
    return text
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = read(args[1])
  expected = read(args[2])
  failed = 0
  wrong = 0
  answered = 0
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 then
    failed = failed + 1
  elseif body ~= expected then
    wrong = wrong + 1
  end
end

function done(summary, latency, requests)
  local failed, wrong, answered = 0, 0, 0
  for _, t in ipairs(threads) do
    failed = failed + t:get("failed")
    wrong = wrong + t:get("wrong")
    answered = answered + t:get("answered")
  end
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f failed=%d wrong=%d socket_errors=%d\n",
    answered, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    failed, wrong, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
