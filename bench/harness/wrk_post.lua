-- wrk script (bench/harness/httpload.py): POST one JSON body on every keep-alive connection,
-- count the answers that are not a 200 holding the expected text, and print the figures as
-- one line of JSON for httpload.py to read.
--     wrk -t1 -c8 -d5s -s wrk_post.lua URL -- BODY WANT

local want
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.body = args[1]
  wrk.headers["Content-Type"] = "application/json"
  want = args[2]
  wrong = 0  -- a global: done() reads it from each thread with thread:get
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, want, 1, true) then
    wrong = wrong + 1
  end
end

function done(summary, latency, requests)
  local wrong_total = 0
  for _, thread in ipairs(threads) do
    wrong_total = wrong_total + thread:get("wrong")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "wrong": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, wrong_total, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
