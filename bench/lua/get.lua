-- GET one path; headers as a reader's browser sends them (compression accepted).
wrk.method = "GET"
wrk.headers["Accept-Encoding"] = "br, gzip"

function response(status, headers, body)
  count_status(status)
end
