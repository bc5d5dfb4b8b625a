-- wrk script for the soak test: single-row POST /v1/predict, every 100th request malformed JSON.
-- Counts answers by status class per thread; done() prints one SOAK line with the totals.
local threads = {}
local good = '{"island": "Biscoe", "bill_length_mm": 48.6, "bill_depth_mm": 16.0, "flipper_length_mm": 230, "body_mass_g": 5800, "sex": "male", "year": 2009}'
local bad = '{"island": "Biscoe", "bill_length_mm": 48.6,'

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  sent, malformed, s2xx, s4xx, s5xx, other = 0, 0, 0, 0, 0, 0
end

function request()
  sent = sent + 1
  local body = good
  if sent % 100 == 0 then
    body = bad
    malformed = malformed + 1
  end
  return wrk.format("POST", "/v1/predict", {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then s2xx = s2xx + 1
  elseif status >= 400 and status < 500 then s4xx = s4xx + 1
  elseif status >= 500 then s5xx = s5xx + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local m, a, b, c, o = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    m = m + t:get("malformed"); a = a + t:get("s2xx"); b = b + t:get("s4xx"); c = c + t:get("s5xx"); o = o + t:get("other")
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("SOAK %d %d %d %d %d %d %.1f %.3f %.3f %.3f %d\n", summary.requests, m, a, b, c, o,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, errors))
end
