-- Tollgate's shared counters: one script, so every operation is one atomic step in one round trip.
-- Times are Redis server milliseconds (TIME), so replica clocks do not matter. Money is integer
-- micro-dollars. A call is a list of operations run in order (settlements a replica deferred, then
-- the operation it waits for), each given in ARGV as: name, its argument count, its key count, its
-- arguments; its keys follow the previous operation's in KEYS. The call returns the last one's result.
--
-- Written for few Redis commands per call (each costs Redis CPU that every request waits for):
-- what a call needs to know is read with one HMGET and written back with one HSET per key.
--
-- Rate windows keep SlidingCounter's layout: an entry per slot (the time rounded up to the window's
-- resolution) counts while now < slot + window. Per subject and window: hash H (slot -> amount,
-- "sum", "first" and "last" slot, "exp": the second its keys' time-to-live was last renewed) and
-- list L of slots, oldest first. Entries are dropped only once the oldest has left the window.
-- Concurrency: sorted set C of reservation ids by deadline.
-- Budgets: hash B ("spent", "reserved", "open" reservations, "since", "r:<id>" -> worst case) and
-- sorted set R (id by deadline).

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function s(n) return string.format('%d', n) end
local function n0(v) return tonumber(v) or 0 end

-- window name -> {length ms, resolution ms}; order of KEYS and of reported states
local WINDOWS = { {'rpm', 60000, 1}, {'rph', 3600000, 100}, {'rpd', 86400000, 1000}, {'tpm', 60000, 1} }

local function slot(at, res)
  if res == 1 then return at end
  return math.ceil(at / res) * res
end

-- Reads a window: its sum, first, last and exp, and the amount at field f (nil when absent).
local function read(h, f)
  local v = redis.call('HMGET', h, 'sum', 'first', 'last', 'exp', f)
  return { h = h, sum = n0(v[1]), first = tonumber(v[2]), last = tonumber(v[3]), exp = tonumber(v[4]), at = v[5] }
end

-- Drops the entries that left the window (w = read(...), l its list, len its length).
local function expire(w, l, len)
  local cutoff = now - len
  while w.first and w.first <= cutoff do
    local items = redis.call('LRANGE', l, 0, 63)
    local k = 0
    while k < #items and tonumber(items[k + 1]) <= cutoff do k = k + 1 end
    if k > 0 then
      local old = {}
      for i = 1, k do old[i] = items[i] end
      local amounts = redis.call('HMGET', w.h, unpack(old))
      for i = 1, k do w.sum = w.sum - n0(amounts[i]) end
      redis.call('HDEL', w.h, unpack(old))
      redis.call('LTRIM', l, k, -1)
    end
    if k < #items then w.first = tonumber(items[k + 1])
    elseif #items < 64 then w.first = nil
    end
    w.dirty = true
  end
  if w.sum < 0 then w.sum = 0 end
end

-- Milliseconds until the window has room for amount more under limit: 0 now, -1 never.
local function wait_for(w, l, len, amount, limit)
  if amount > limit then return -1 end
  local excess = w.sum + amount - limit
  if excess <= 0 then return 0 end
  local offset = 0
  while true do
    local items = redis.call('LRANGE', l, offset, offset + 499)
    if #items == 0 then return len end
    local amounts = redis.call('HMGET', w.h, unpack(items))
    for i = 1, #items do
      excess = excess - n0(amounts[i])
      if excess <= 0 then return tonumber(items[i]) + len - now end
    end
    offset = offset + 500
  end
end

local function until_empty(w, len)
  if not w.last or not w.first then return 0 end
  return math.max(0, w.last + len - now)
end

-- Writes back what expire changed (only when nothing is added after it).
local function save(w)
  if not w.dirty then return end
  if w.first then
    redis.call('HSET', w.h, 'sum', s(w.sum), 'first', s(w.first))
  else
    redis.call('HSET', w.h, 'sum', '0')
    redis.call('HDEL', w.h, 'first', 'last')
  end
end

-- Adds amount at slot f (w was read with field f); renews the keys' time-to-live once a second.
-- The list outlives the hash, so a hash never holds slots its list lost.
local function add(w, l, len, f, amount)
  local fs = s(f)
  if not w.at then
    redis.call('RPUSH', l, fs)
    if not w.first then w.first = f end
  end
  w.sum = w.sum + amount
  w.last = f
  local second = math.floor(now / 1000)
  if w.exp ~= second then
    redis.call('HSET', w.h, fs, s(n0(w.at) + amount), 'sum', s(w.sum), 'first', s(w.first), 'last', fs, 'exp', s(second))
    redis.call('PEXPIRE', w.h, len + 60000)
    redis.call('PEXPIRE', l, len + 120000)
  else
    redis.call('HSET', w.h, fs, s(n0(w.at) + amount), 'sum', s(w.sum), 'first', s(w.first), 'last', fs)
  end
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
    end
    out[i] = subj
  end
  return out, key
end

-- Requests in flight: reservations whose deadline has not passed (a dead replica's slots come back then).
local function in_flight(c)
  return redis.call('ZCOUNT', c, '(' .. s(now), '+inf')
end

-- Every subject's windows read and expired: {subject index -> {window index -> w}}.
local function read_all(subs)
  local out = {}
  for i, subj in ipairs(subs) do
    out[i] = {}
    for w = 1, 4 do
      if subj.limits[w] > 0 then
        local k = subj.keys[w]
        local win = read(k[1], s(slot(now, WINDOWS[w][3])))
        expire(win, k[2], WINDOWS[w][2])
        out[i][w] = win
      end
    end
  end
  return out
end

-- Writes back what expiry changed in windows that are not added to (a refusal, a read).
local function save_all(wins)
  for _, byWindow in pairs(wins) do
    for _, win in pairs(byWindow) do save(win) end
  end
end

local function states(subs, wins, counts)
  local out = {}
  for i, subj in ipairs(subs) do
    for w = 1, 4 do
      if subj.limits[w] > 0 then
        out[#out + 1] = wins[i][w].sum
        out[#out + 1] = until_empty(wins[i][w], WINDOWS[w][2])
      end
    end
    if subj.concurrent > 0 then
      out[#out + 1] = counts[i] or in_flight(subj.c)
      out[#out + 1] = 0
    end
  end
  return out
end

-- Reservations past their deadline were never settled (their replica died): their worst case is
-- spent. Returns how many were swept and what they moved from reserved to spent.
local function sweep_budget(b, r)
  local count, worst = 0, 0
  while true do
    local ids = redis.call('ZRANGEBYSCORE', r, '-inf', now, 'LIMIT', 0, 500)
    if #ids == 0 then return count, worst end
    local fields = {}
    for i, id in ipairs(ids) do fields[i] = 'r:' .. id end
    local amounts = redis.call('HMGET', b, unpack(fields))
    for i = 1, #ids do worst = worst + n0(amounts[i]) end
    count = count + #ids
    redis.call('HDEL', b, unpack(fields))
    redis.call('ZREM', r, unpack(ids))
  end
end

local function append(dst, src)
  for _, v in ipairs(src) do dst[#dst + 1] = v end
  return dst
end

-- Arguments: id, ttl, tokens, subjects, budgets, worst case; each subject's 6; each budget's amount
-- and keys' time-to-live. Keys: each subject's, then each budget's hash and reservations.
local function admit(A, K)
  local id, ttl, tokens = ARGV[A], tonumber(ARGV[A + 1]), tonumber(ARGV[A + 2])
  local ns, nb, worst = tonumber(ARGV[A + 3]), tonumber(ARGV[A + 4]), tonumber(ARGV[A + 5])
  local subs, key = subjects(ns, A + 6, K)
  local budgetArgs = A + 6 + ns * 6
  local wins = read_all(subs)
  local counts = {}
  -- Check everything first, write only when all have room: all or nothing.
  local function refuse(out)
    save_all(wins)
    return out
  end
  for i, subj in ipairs(subs) do
    if subj.concurrent > 0 then
      counts[i] = in_flight(subj.c)
      if counts[i] >= subj.concurrent then
        return refuse(append({0, i, 'concurrent', subj.concurrent, 1000}, states(subs, wins, counts)))
      end
    end
    for w = 1, 4 do
      local limit = subj.limits[w]
      if limit > 0 then
        local amount = 1
        if w == 4 then amount = tokens end
        local wait = wait_for(wins[i][w], subj.keys[w][2], WINDOWS[w][2], amount, limit)
        if wait ~= 0 then return refuse(append({0, i, WINDOWS[w][1], limit, wait}, states(subs, wins, counts))) end
      end
    end
  end
  local unknown = {}
  local remaining = {}
  local books = {}
  for j = 1, nb do
    local b = KEYS[key + (j - 1) * 2]
    local v = redis.call('HMGET', b, 'spent', 'reserved', 'open')
    if not v[1] then
      unknown[#unknown + 1] = j
    elseif #unknown == 0 then
      -- Reservations past their deadline stay in "reserved" until a settlement sweeps them into
      -- "spent": the amount left is the same either way.
      local left = tonumber(ARGV[budgetArgs + (j - 1) * 2]) - n0(v[1]) - n0(v[2])
      if worst > left then return refuse({2, j, math.max(0, left)}) end
      remaining[j] = left - worst
      books[j] = { reserved = n0(v[2]), open = n0(v[3]) }
    end
  end
  if #unknown > 0 then return refuse(append({3}, unknown)) end
  local deadline = now + ttl
  for i, subj in ipairs(subs) do
    for w = 1, 4 do
      if subj.limits[w] > 0 then
        local amount = 1
        if w == 4 then amount = tokens end
        add(wins[i][w], subj.keys[w][2], WINDOWS[w][2], slot(now, WINDOWS[w][3]), amount)
      end
    end
    if subj.concurrent > 0 then
      redis.call('ZADD', subj.c, s(deadline), id)
      redis.call('PEXPIRE', subj.c, ttl + 60000)
      counts[i] = counts[i] + 1
    end
  end
  for j = 1, nb do
    local b, r = KEYS[key + (j - 1) * 2], KEYS[key + (j - 1) * 2 + 1]
    local book = books[j]
    redis.call('HSET', b, 'reserved', s(book.reserved + worst), 'open', s(book.open + 1), 'r:' .. id, s(worst))
    redis.call('ZADD', r, s(deadline), id)
    local expireIn = tonumber(ARGV[budgetArgs + (j - 1) * 2 + 1])
    if book.open == 0 and expireIn > 0 then redis.call('PEXPIRE', r, s(expireIn)) end
  end
  local out = append({1, now}, states(subs, wins, counts))
  for j = 1, nb do out[#out + 1] = remaining[j] end
  return out
end

-- Arguments: id, admission time, refund (1/0), token delta, subjects, budgets; each subject's 6;
-- each budget's cost. Keys as admit's.
local function settle(A, K)
  local id, at, refund, delta = ARGV[A], tonumber(ARGV[A + 1]), ARGV[A + 2] == '1', tonumber(ARGV[A + 3])
  local ns, nb = tonumber(ARGV[A + 4]), tonumber(ARGV[A + 5])
  local subs, key = subjects(ns, A + 6, K)
  local costArgs = A + 6 + ns * 6
  for _, subj in ipairs(subs) do
    if subj.concurrent > 0 then
      redis.call('ZREM', subj.c, id)
      redis.call('ZREMRANGEBYSCORE', subj.c, '-inf', now)  -- slots of reservations never settled come back
    end
    for w = 1, 4 do
      if subj.limits[w] > 0 then
        local amount = 0
        if w == 4 then amount = delta elseif refund then amount = -1 end
        if amount ~= 0 then
          local h, field = subj.keys[w][1], s(slot(at, WINDOWS[w][3]))
          local v = redis.call('HMGET', h, field, 'sum')
          if v[1] then
            local before = tonumber(v[1])
            local after = math.max(0, before + amount)
            redis.call('HSET', h, field, s(after), 'sum', s(math.max(0, n0(v[2]) + after - before)))
          end
        end
      end
    end
  end
  for j = 1, nb do
    local b, r = KEYS[key + (j - 1) * 2], KEYS[key + (j - 1) * 2 + 1]
    local swept, sweptWorst = sweep_budget(b, r)
    local v = redis.call('HMGET', b, 'r:' .. id, 'spent', 'reserved', 'open', 'since')
    local cost = tonumber(ARGV[costArgs + j - 1])
    local spent, reserved, open = n0(v[2]) + sweptWorst, n0(v[3]) - sweptWorst, n0(v[4]) - swept
    if v[1] then
      reserved = reserved - tonumber(v[1])
      spent = spent + cost
      open = open - 1
      redis.call('HDEL', b, 'r:' .. id)
      redis.call('ZREM', r, id)
    elseif not (v[5] and tonumber(v[5]) > at) then
      -- Gone: it expired and was counted at its worst case, and is not counted twice; or Redis lost
      -- the budget after this call was admitted and a replica started it again from the ledger,
      -- which cannot hold this call yet (its row is written after this settlement): then its cost
      -- is spent now (the else branch below). A budget Redis does not hold at all is left for the
      -- next start from the ledger.
      cost = nil
    else
      spent = spent + cost
    end
    if v[2] and (swept > 0 or cost) then
      redis.call('HSET', b, 'spent', s(spent), 'reserved', s(math.max(0, reserved)), 'open', s(math.max(0, open)))
    end
  end
  return 1
end

-- Arguments: subjects, each subject's 6. Keys: each subject's.
local function state(A, K)
  local subs = subjects(tonumber(ARGV[A]), A + 1, K)
  local wins = read_all(subs)
  save_all(wins)
  return states(subs, wins, {})
end

-- Arguments: budgets. Keys: each budget's hash and reservations.
local function budgets(A, K)
  local nb = tonumber(ARGV[A])
  local out = {}
  for j = 1, nb do
    local b, r = KEYS[K + (j - 1) * 2], KEYS[K + (j - 1) * 2 + 1]
    local swept, sweptWorst = sweep_budget(b, r)
    local v = redis.call('HMGET', b, 'spent', 'reserved', 'open')
    if v[1] then
      local spent, reserved = n0(v[1]) + sweptWorst, math.max(0, n0(v[2]) - sweptWorst)
      if swept > 0 then
        redis.call('HSET', b, 'spent', s(spent), 'reserved', s(reserved), 'open', s(math.max(0, n0(v[3]) - swept)))
      end
      out[#out + 1] = spent
      out[#out + 1] = reserved
    else
      out[#out + 1] = -1
      out[#out + 1] = 0
    end
  end
  return out
end

-- Arguments: spent so far, keys' time-to-live. Key: the budget's hash.
local function init(A, K)
  if redis.call('HSETNX', KEYS[K], 'spent', ARGV[A]) == 1 then redis.call('HSET', KEYS[K], 'since', s(now)) end
  local expireIn = tonumber(ARGV[A + 1])
  if expireIn > 0 then redis.call('PEXPIRE', KEYS[K], s(expireIn)) end
  return 1
end

local OPS = { admit = admit, settle = settle, state = state, budgets = budgets, init = init }
local result
local a, k = 1, 1
while a <= #ARGV do
  local op = OPS[ARGV[a]]
  if not op then return redis.error_reply('unknown operation ' .. tostring(ARGV[a])) end
  result = op(a + 3, k)
  a, k = a + 3 + tonumber(ARGV[a + 1]), k + tonumber(ARGV[a + 2])
end
return result
