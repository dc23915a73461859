-- wrk script for bench/api.ts: the requests of one endpoint case, optionally paced to a fixed rate, and a JSON
-- summary on the last line. Configured through the environment (wrk passes no options to scripts):
--   BENCH_CASE   get | list | patch
--   BENCH_PATH   list: the path and query to GET
--   BENCH_IDS    get, patch: a file of user ids, one a line; each request picks one at random
--   BENCH_AUTH   the Authorization header's value, or empty for none (the bare baseline)
--   BENCH_RATE   requests per second for the whole run, spread over wrk's threads; 0 or unset: as fast as possible
--
-- Pacing is wrk2's idea on Debian's wrk (which has no -R): each thread keeps a schedule of evenly spaced send
-- slots, and a connection that is free claims the next slot and waits for it (delay()). Latency is measured by
-- wrk from the actual send, so when no connection is free at a slot's time the wait before sending is not in the
-- figures (coordinated omission). The summary counts such late sends (over 1 ms behind the schedule) and the
-- rate achieved, so a run that could not keep its schedule says so.

local ffi = require("ffi")
ffi.cdef([[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local mode = os.getenv("BENCH_CASE") or "get"
local auth = os.getenv("BENCH_AUTH") or ""
local total_rate = tonumber(os.getenv("BENCH_RATE") or "0") or 0

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count)
  table.insert(threads, thread)
end

local ids = {}
local interval_ms = 0
local next_slot = nil
late = 0
sent = 0
local counter = 0

function init(_args)
  math.randomseed(os.time() * 1000 + (thread_index or 0))
  local file = os.getenv("BENCH_IDS")
  if file and file ~= "" then
    for line in io.lines(file) do
      if line ~= "" then ids[#ids + 1] = line end
    end
  end
  if (mode == "get" or mode == "patch") and #ids == 0 then error("BENCH_IDS names no ids") end
  -- Every thread gets the same share of the rate; bench/api.ts passes the thread count it starts wrk with.
  local thread_total = tonumber(os.getenv("BENCH_THREADS") or "1") or 1
  if total_rate > 0 then interval_ms = 1000 * thread_total / total_rate end
end

local function headers()
  local h = {}
  if auth ~= "" then h["Authorization"] = auth end
  return h
end

local list_request = nil

function request()
  sent = sent + 1
  if mode == "list" then
    list_request = list_request or wrk.format("GET", os.getenv("BENCH_PATH"), headers())
    return list_request
  end
  local id = ids[math.random(#ids)]
  if mode == "get" then
    return wrk.format("GET", "/api/v1/users/" .. id, headers())
  end
  -- patch: a name that differs on every request (a PATCH that changes nothing writes no audit entry), and
  -- If-Match: * (any current version: the app and the baseline both accept it), since versions move as we write.
  counter = counter + 1
  local h = headers()
  h["Content-Type"] = "application/json"
  h["If-Match"] = "*"
  local body = string.format('{"name":"Bench %d-%d"}', thread_index or 0, counter)
  return wrk.format("PATCH", "/api/v1/users/" .. id, h, body)
end

if total_rate > 0 then
  function delay()
    local now = now_ms()
    if next_slot == nil then next_slot = now end
    next_slot = next_slot + interval_ms
    local wait = next_slot - now
    if wait < -1 then late = late + 1 end
    if wait <= 0 then return 0 end
    return math.floor(wait)
  end
end

function done(summary, latency, _requests)
  local late_total, sent_total = 0, 0
  for _, thread in ipairs(threads) do
    late_total = late_total + (thread:get("late") or 0)
    sent_total = sent_total + (thread:get("sent") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f},"late":%d,"sent":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean, late_total, sent_total))
end
