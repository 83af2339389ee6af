-- Sign: POST the form with a new address each time, from a new client
-- address (X-Forwarded-For, one trusted proxy), as a crowd of people would.
-- BENCH_RUN makes this run's addresses unique; BENCH_STAMPS is a file of
-- anti-robot stamps, one per submission (each is good once), shared out
-- between wrk's threads.
local counter = 0
local stamps = {}
local prefix, fixed, headers

function init(args)
  stamps = thread_lines(os.getenv("BENCH_STAMPS"))
  prefix = os.getenv("BENCH_RUN") .. "-" .. thread_id .. "-"
  fixed = form_body_start()
    .. "&website_url=&first_name=Camille&last_name=Martin&postcode=75011&role=parent&email="
  headers = form_headers()
end

function request()
  counter = counter + 1
  headers["X-Forwarded-For"] = string.format(
    "10.%d.%d.%d", thread_id, math.floor(counter / 256) % 256, counter % 256)
  return wrk.format("POST", nil, headers,
    fixed .. prefix .. counter .. "%40bench.invalid&shown_at=" .. stamps[(counter - 1) % #stamps + 1])
end

function response(status, headers, body)
  count_status(status)
end
