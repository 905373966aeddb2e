-- Tollgate's shared counters: one script, so every operation is one atomic step in one round trip.
-- Times are Redis server milliseconds (TIME), so replica clocks do not matter. Money is integer
-- micro-dollars. ARGV[1] names the operation; the caller lists every key it touches in KEYS.
--
-- Rate windows keep SlidingCounter's layout: an entry per slot (the time rounded up to the window's
-- resolution) counts while now < slot + window. Per subject and window: hash H (slot -> amount, and
-- "sum") and sorted set Z (slot by slot). Concurrency: sorted set C of reservation ids by deadline.
-- Budgets: hash B ("spent", "reserved", "r:<id>" -> worst case) and sorted set R (id by deadline).

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local op = ARGV[1]

local function s(n) return string.format('%d', n) end

-- window name -> {length ms, resolution ms}; order of KEYS and of reported states
local WINDOWS = { {'rpm', 60000, 1}, {'rph', 3600000, 100}, {'rpd', 86400000, 1000}, {'tpm', 60000, 1} }

local function slot(at, res)
  if res == 1 then return at end
  return math.ceil(at / res) * res
end

-- Drops entries that left the window; returns the window's sum.
local function expire(h, z, len)
  local cutoff = now - len
  while true do
    local old = redis.call('ZRANGEBYSCORE', z, '-inf', cutoff, 'LIMIT', 0, 500)
    if #old == 0 then break end
    local amounts = redis.call('HMGET', h, unpack(old))
    local gone = 0
    for i = 1, #old do gone = gone + (tonumber(amounts[i]) or 0) end
    redis.call('HDEL', h, unpack(old))
    redis.call('ZREM', z, unpack(old))
    if gone ~= 0 then redis.call('HINCRBY', h, 'sum', s(-gone)) end
  end
  return tonumber(redis.call('HGET', h, 'sum') or '0')
end

-- Milliseconds until the window has room for amount more under limit: 0 now, -1 never.
local function wait_for(h, z, len, sum, amount, limit)
  if amount > limit then return -1 end
  local excess = sum + amount - limit
  if excess <= 0 then return 0 end
  local offset = 0
  while true do
    local e = redis.call('ZRANGE', z, offset, offset + 499, 'WITHSCORES')
    if #e == 0 then return len end
    local members = {}
    for i = 1, #e, 2 do members[#members + 1] = e[i] end
    local amounts = redis.call('HMGET', h, unpack(members))
    for i = 1, #members do
      excess = excess - (tonumber(amounts[i]) or 0)
      if excess <= 0 then return tonumber(e[2 * i]) + len - now end
    end
    offset = offset + 500
  end
end

local function until_empty(z, len)
  local last = redis.call('ZRANGE', z, -1, -1, 'WITHSCORES')
  if #last == 0 then return 0 end
  return math.max(0, tonumber(last[2]) + len - now)
end

local function add(h, z, len, res, amount)
  local at = slot(now, res)
  local field = s(at)
  redis.call('HINCRBY', h, field, s(amount))
  redis.call('HINCRBY', h, 'sum', s(amount))
  redis.call('ZADD', z, field, field)
  redis.call('PEXPIRE', h, len + 60000)
  redis.call('PEXPIRE', z, len + 60000)
end

local function adjust(h, field, delta)
  local v = redis.call('HGET', h, field)
  if not v then return end
  local before = tonumber(v)
  local after = math.max(0, before + delta)
  redis.call('HSET', h, field, s(after))
  redis.call('HINCRBY', h, 'sum', s(after - before))
end

-- Reads subjects from ARGV at base (6 args each: name, rpm, rph, rpd, tpm, concurrent) and assigns
-- their keys from KEYS at key; returns the subjects and the next free key index.
local function subjects(n, base, key)
  local out = {}
  for i = 1, n do
    local a = base + (i - 1) * 6
    local subj = { name = ARGV[a], limits = {}, keys = {} }
    for w = 1, 4 do
      local limit = tonumber(ARGV[a + w])
      subj.limits[w] = limit
      if limit > 0 then
        subj.keys[w] = { KEYS[key], KEYS[key + 1] }
        key = key + 2
      end
    end
    subj.concurrent = tonumber(ARGV[a + 5])
    if subj.concurrent > 0 then
      subj.c = KEYS[key]
      key = key + 1
      redis.call('ZREMRANGEBYSCORE', subj.c, '-inf', now)  -- slots of reservations never settled come back
    end
    out[i] = subj
  end
  return out, key
end

local function states(subs)
  local out = {}
  for _, subj in ipairs(subs) do
    for w = 1, 4 do
      if subj.limits[w] > 0 then
        local k = subj.keys[w]
        out[#out + 1] = expire(k[1], k[2], WINDOWS[w][2])
        out[#out + 1] = until_empty(k[2], WINDOWS[w][2])
      end
    end
    if subj.concurrent > 0 then
      out[#out + 1] = redis.call('ZCARD', subj.c)
      out[#out + 1] = 0
    end
  end
  return out
end

-- Reservations past their deadline were never settled (their replica died): their worst case is spent.
local function sweep_budget(b, r)
  while true do
    local ids = redis.call('ZRANGEBYSCORE', r, '-inf', now, 'LIMIT', 0, 500)
    if #ids == 0 then return end
    for _, id in ipairs(ids) do
      local worst = tonumber(redis.call('HGET', b, 'r:' .. id) or '0')
      if worst ~= 0 then
        redis.call('HINCRBY', b, 'spent', s(worst))
        redis.call('HINCRBY', b, 'reserved', s(-worst))
      end
      redis.call('HDEL', b, 'r:' .. id)
    end
    redis.call('ZREM', r, unpack(ids))
  end
end

local function append(dst, src)
  for _, v in ipairs(src) do dst[#dst + 1] = v end
  return dst
end

if op == 'admit' then
  local id, ttl, tokens = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
  local ns, nb, worst = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
  local subs, key = subjects(ns, 8, 1)
  local budgetArgs = 8 + ns * 6
  -- Check everything first, write only when all have room: all or nothing.
  for i, subj in ipairs(subs) do
    if subj.concurrent > 0 and redis.call('ZCARD', subj.c) >= subj.concurrent then
      return append({0, i, 'concurrent', subj.concurrent, 1000}, states(subs))
    end
    for _, w in ipairs({1, 2, 3, 4}) do
      local limit = subj.limits[w]
      if limit > 0 then
        local k = subj.keys[w]
        local amount = 1
        if w == 4 then amount = tokens end
        local sum = expire(k[1], k[2], WINDOWS[w][2])
        local wait = wait_for(k[1], k[2], WINDOWS[w][2], sum, amount, limit)
        if wait ~= 0 then return append({0, i, WINDOWS[w][1], limit, wait}, states(subs)) end
      end
    end
  end
  local unknown = {}
  local remaining = {}
  for j = 1, nb do
    local b, r = KEYS[key + (j - 1) * 2], KEYS[key + (j - 1) * 2 + 1]
    sweep_budget(b, r)
    local spent = redis.call('HGET', b, 'spent')
    if not spent then
      unknown[#unknown + 1] = j
    elseif #unknown == 0 then
      local left = tonumber(ARGV[budgetArgs + (j - 1) * 2]) - tonumber(spent) - tonumber(redis.call('HGET', b, 'reserved') or '0')
      if worst > left then return {2, j, math.max(0, left)} end
      remaining[j] = left - worst
    end
  end
  if #unknown > 0 then return append({3}, unknown) end
  local deadline = now + ttl
  for _, subj in ipairs(subs) do
    for w = 1, 4 do
      if subj.limits[w] > 0 then
        local amount = 1
        if w == 4 then amount = tokens end
        add(subj.keys[w][1], subj.keys[w][2], WINDOWS[w][2], WINDOWS[w][3], amount)
      end
    end
    if subj.concurrent > 0 then
      redis.call('ZADD', subj.c, s(deadline), id)
      redis.call('PEXPIRE', subj.c, ttl + 60000)
    end
  end
  for j = 1, nb do
    local b, r = KEYS[key + (j - 1) * 2], KEYS[key + (j - 1) * 2 + 1]
    redis.call('HINCRBY', b, 'reserved', s(worst))
    redis.call('HSET', b, 'r:' .. id, s(worst))
    redis.call('ZADD', r, s(deadline), id)
    local expireIn = tonumber(ARGV[budgetArgs + (j - 1) * 2 + 1])
    if expireIn > 0 then
      redis.call('PEXPIRE', b, s(expireIn))
      redis.call('PEXPIRE', r, s(expireIn))
    end
  end
  local out = append({1, now}, states(subs))
  for j = 1, nb do out[#out + 1] = remaining[j] end
  return out
end

if op == 'settle' then
  local id, at, refund, delta = ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1', tonumber(ARGV[5])
  local ns, nb = tonumber(ARGV[6]), tonumber(ARGV[7])
  local subs, key = subjects(ns, 8, 1)
  local costArgs = 8 + ns * 6
  for _, subj in ipairs(subs) do
    if subj.concurrent > 0 then redis.call('ZREM', subj.c, id) end
    for w = 1, 4 do
      if subj.limits[w] > 0 then
        local field = s(slot(at, WINDOWS[w][3]))
        if w == 4 then
          if delta ~= 0 then adjust(subj.keys[w][1], field, delta) end
        elseif refund then
          adjust(subj.keys[w][1], field, -1)
        end
      end
    end
  end
  for j = 1, nb do
    local b, r = KEYS[key + (j - 1) * 2], KEYS[key + (j - 1) * 2 + 1]
    sweep_budget(b, r)
    local worst = redis.call('HGET', b, 'r:' .. id)
    if worst then
      redis.call('HINCRBY', b, 'reserved', s(-tonumber(worst)))
      redis.call('HINCRBY', b, 'spent', ARGV[costArgs + j - 1])
      redis.call('HDEL', b, 'r:' .. id)
      redis.call('ZREM', r, id)
    else
      -- Gone: it expired and was counted at its worst case, and is not counted twice; or Redis lost
      -- the budget after this call was admitted and a replica started it again from the ledger,
      -- which cannot hold this call yet (its row is written after this settlement): then its cost
      -- is spent now. A budget Redis does not hold at all is left for the next start from the ledger.
      local since = redis.call('HGET', b, 'since')
      if since and tonumber(since) > at then
        redis.call('HINCRBY', b, 'spent', ARGV[costArgs + j - 1])
      end
    end
  end
  return 1
end

if op == 'state' then
  local subs = subjects(tonumber(ARGV[2]), 3, 1)
  return states(subs)
end

if op == 'budgets' then
  local nb = tonumber(ARGV[2])
  local out = {}
  for j = 1, nb do
    local b, r = KEYS[(j - 1) * 2 + 1], KEYS[(j - 1) * 2 + 2]
    sweep_budget(b, r)
    local spent = redis.call('HGET', b, 'spent')
    if spent then
      out[#out + 1] = tonumber(spent)
      out[#out + 1] = tonumber(redis.call('HGET', b, 'reserved') or '0')
    else
      out[#out + 1] = -1
      out[#out + 1] = 0
    end
  end
  return out
end

if op == 'init' then
  if redis.call('HSETNX', KEYS[1], 'spent', ARGV[2]) == 1 then redis.call('HSET', KEYS[1], 'since', s(now)) end
  local expireIn = tonumber(ARGV[3])
  if expireIn > 0 then redis.call('PEXPIRE', KEYS[1], s(expireIn)) end
  return 1
end

return redis.error_reply('unknown operation ' .. tostring(op))
