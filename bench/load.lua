-- wrk script for bench/load.py: requests from a plan file, results as JSON.
--
-- KESU_LOAD_PLAN: one request a line, "METHOD<TAB>PATH<TAB>HEADERS<TAB>BODY", HEADERS as
-- "Name: value" joined by \031 (unit separator). Each request is a line drawn at random; in a body,
-- {KEY} becomes 32 random hex digits and {PHONE} a random mobile number (a new intake each time).
-- KESU_LOAD_EXPECT: the status every response must have (others are counted as unexpected).
-- KESU_LOAD_OUT: where done() writes the figures (latencies in microseconds).

local plan_path, out_path = os.getenv("KESU_LOAD_PLAN"), os.getenv("KESU_LOAD_OUT")
local expect = tonumber(os.getenv("KESU_LOAD_EXPECT") or "200")
local threads, plan = {}, {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

local function hex(n)
  local out = {}
  for i = 1, n do out[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(out)
end

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
  for line in io.lines(plan_path) do
    local method, path, headers, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local h = {}
    for name, value in (headers .. "\031"):gmatch("([^\031:]+): ([^\031]*)\031") do h[name] = value end
    table.insert(plan, {method = method, path = path, headers = h, body = body})
  end
  unexpected, statuses = 0, {}
end

function request()
  local r = plan[math.random(#plan)]
  local body = nil
  if r.body ~= "" then
    body = r.body:gsub("{KEY}", function() return hex(32) end)
                 :gsub("{PHONE}", function() return "139" .. string.format("%08d", math.random(0, 99999999)) end)
  end
  return wrk.format(r.method, r.path, r.headers, body)
end

function response(status, headers, body)
  if status ~= expect then
    unexpected = unexpected + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local bad, seen = 0, {}
  for _, t in ipairs(threads) do
    bad = bad + t:get("unexpected")
    for status, n in pairs(t:get("statuses")) do seen[#seen + 1] = string.format('"%d": %d', status, n) end
  end
  local e = summary.errors
  local f = assert(io.open(out_path, "w"))
  f:write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "unexpected_status": %d, "statuses": {%s}, '
    .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
    .. '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p95": %d, "p99": %d}}\n',
    summary.requests, summary.duration, summary.bytes, bad, table.concat(seen, ", "),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99)))
  f:close()
end
