-- wrk script for bench/run.py: cycles through the request paths in the file named by $WRK_PATHS
-- (one per line); with $WRK_UNIQUE=1 every request's query text gets its own trailing comment
-- ("%0A%23<salt>-<thread>-<n>"), so that no result cache can answer it; $WRK_SALT, new for every run of
-- wrk, keeps a run from repeating the texts of the runs before it against the same server (whose
-- caches hold them). $WRK_ACCEPT sets the Accept header.
-- Each thread counts its answers that are not 2xx, by status; done() prints the summary as one JSON line.

local paths, unique, accept = {}, os.getenv("WRK_UNIQUE") == "1", os.getenv("WRK_ACCEPT") or "*/*"
local salt = os.getenv("WRK_SALT") or ""
for line in io.lines(os.getenv("WRK_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end

local threads, counter = {}, 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

-- globals, so that setup() and done() reach them in each thread's own Lua state
i, failed, statuses = 0, 0, {}

function init(args)
  i = id * 7919
  failed = 0
  statuses = {}
end

function request()
  i = i + 1
  local path = paths[(i % #paths) + 1]
  if unique then path = path .. "%0A%23" .. salt .. "-" .. id .. "-" .. i end
  return wrk.format("GET", path, { ["Accept"] = accept })
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    failed = failed + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local bad, by_status = 0, {}
  for _, t in ipairs(threads) do
    bad = bad + t:get("failed")
    for code, n in pairs(t:get("statuses")) do by_status[code] = (by_status[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(by_status) do parts[#parts + 1] = string.format('"%d": %d', code, n) end
  io.write(string.format('{"requests": %d, "seconds": %.3f, "non2xx": %d, "statuses": {%s}, "socket_errors": %d, ' ..
    '"p50_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, bad, table.concat(parts, ", "),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.mean / 1000))
end
