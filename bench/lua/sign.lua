-- Sign: POST the form with a new address each time, from a new client
-- address (X-Forwarded-For, one trusted proxy), as a crowd of people would.
-- BENCH_RUN makes this run's addresses unique; BENCH_SHOWN_AT is the form's
-- anti-robot stamp.
local counter = 0
local prefix, fixed, headers

function init(args)
  prefix = os.getenv("BENCH_RUN") .. "-" .. thread_id .. "-"
  fixed = form_body_start()
    .. "&shown_at=" .. os.getenv("BENCH_SHOWN_AT")
    .. "&website_url=&first_name=Camille&last_name=Martin&postcode=75011&role=parent&email="
  headers = form_headers()
end

function request()
  counter = counter + 1
  headers["X-Forwarded-For"] = string.format(
    "10.%d.%d.%d", thread_id, math.floor(counter / 256) % 256, counter % 256)
  return wrk.format("POST", nil, headers, fixed .. prefix .. counter .. "%40bench.invalid")
end

function response(status, headers, body)
  count_status(status)
end
