-- Confirm: POST each confirmation link of a file (BENCH_TOKENS), one link
-- once, the links shared out between wrk's threads.
local tokens = {}
local position = 0
local fixed, headers

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS"))
  local index = 0
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    if index % threads == thread_id - 1 then
      table.insert(tokens, line)
    end
    index = index + 1
  end
  fixed = form_body_start()
  headers = form_headers()
end

function request()
  position = position % #tokens + 1
  return wrk.format("POST", "/signer/confirmer/" .. tokens[position] .. "/", headers, fixed)
end

function response(status, headers, body)
  count_status(status)
end
