-- Confirm: POST each confirmation link of a file (BENCH_TOKENS), one link
-- once, the links shared out between wrk's threads.
local tokens = {}
local position = 0
local fixed, headers

function init(args)
  tokens = thread_lines(os.getenv("BENCH_TOKENS"))
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
