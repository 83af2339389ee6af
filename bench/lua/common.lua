-- Shared by every scenario: per-thread status counts, and one JSON line at the end.
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

statuses = {}

-- A POST as a browser that displayed the form sends it: its CSRF cookie, and
-- the body starting with the form's token (BENCH_COOKIE, BENCH_CSRF).
function form_headers()
  return {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = os.getenv("BENCH_COOKIE"),
    ["Accept-Encoding"] = "br, gzip",
  }
end

function form_body_start()
  return "csrfmiddlewaretoken=" .. os.getenv("BENCH_CSRF")
end

-- This thread's share of the lines of a file (BENCH_THREADS threads: line i
-- goes to thread i mod threads), so no two threads send the same one.
function thread_lines(path)
  local threads = tonumber(os.getenv("BENCH_THREADS"))
  local lines, index = {}, 0
  for line in io.lines(path) do
    if index % threads == thread_id - 1 then
      table.insert(lines, line)
    end
    index = index + 1
  end
  return lines
end

function count_status(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      merged[tostring(status)] = (merged[tostring(status)] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(merged) do
    table.insert(parts, string.format('"%s": %d', status, n))
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout, table.concat(parts, ", ")))
end
