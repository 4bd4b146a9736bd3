-- bench/wrk_read.lua: audited client reads for wrk (https://github.com/wg/wrk),
-- the same work as `kotodigi-load --mode read`: GET /api/v1/clients/{id} with
-- a bearer token, the id drawn at random from a pool of registered clients.
-- bench/run.sh runs it next to kotodigi-load, because a load generator in C
-- takes less of the 2 cores that kotodigi and the database share (pgbench,
-- the raw comparison, is also in C).
--
-- Environment: KOTODIGI_TOKEN (the token; not on the command line, where
-- `ps` would show it) and KOTODIGI_POOL (a file of client ids, one per line,
-- from `kotodigi-load --pool-out`). Prints one line
--   WRK <tab> requests=N <tab> errors=N <tab> duration_us=N <tab> p50_us=… p90_us=… p99_us=… max_us=…
-- where errors counts non-2xx responses, socket errors and timeouts.

local token = os.getenv("KOTODIGI_TOKEN")
local poolFile = os.getenv("KOTODIGI_POOL")
if not token or token == "" or not poolFile or poolFile == "" then
  error("set KOTODIGI_TOKEN and KOTODIGI_POOL")
end

local ids = {}
for line in io.lines(poolFile) do
  if line ~= "" then ids[#ids + 1] = line end
end
if #ids == 0 then error("no client ids in " .. poolFile) end

local headers = { ["Authorization"] = "Bearer " .. token }

function init(args)
  -- each thread has its own Lua state; give each its own random sequence
  math.randomseed(os.time() + math.floor(os.clock() * 1000000) + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  return wrk.format("GET", "/api/v1/clients/" .. ids[math.random(#ids)], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK\trequests=%d\terrors=%d\tduration_us=%d\tp50_us=%d\tp90_us=%d\tp99_us=%d\tmax_us=%d\n",
    summary.requests, e.status + e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
