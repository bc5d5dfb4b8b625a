-- wrk script for the promotion test: single-row POST /v1/predict with the server's token (TOKEN
-- in the environment); done() prints one RESULT line: requests, non-2xx answers, socket errors.
local threads = {}
local body = '{"island": "Biscoe", "bill_length_mm": 48.6, "bill_depth_mm": 16.0, "flipper_length_mm": 230, "body_mass_g": 5800, "sex": "male", "year": 2009}'
local token = os.getenv("TOKEN")

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
end

function request()
  return wrk.format("POST", "/v1/predict", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function response(status, headers, answer)
  if status < 200 or status >= 300 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status
  io.write(string.format("RESULT %d %d %d\n", summary.requests, b, errors))
end
