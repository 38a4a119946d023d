/**
 * The Lua scripts of the Redis engine. Each runs atomically in Redis, so a publication gets its
 * seq, is kept and is fanned out in one step, and every node hears a channel's publications in seq
 * order. Times come from Redis (`TIME`), so nodes with skewed clocks agree on expiry.
 */

/** `now` in milliseconds, from the Redis server's clock. */
const NOW_MS = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`

/**
 * The channel's epoch, creating the stream at seq 0 in epoch ARGV[1] when it is absent and
 * ARGV[2] is '1'; returns nil when absent and not created. Dropping a stale history list keeps
 * a new epoch from showing an old one's publications.
 */
const OPEN_STREAM = `
local function open_stream(meta, history, candidate, may_create)
  local epoch = redis.call('HGET', meta, 'e')
  if epoch then return epoch end
  if may_create ~= '1' then return nil end
  redis.call('HSET', meta, 'e', candidate, 's', 0)
  redis.call('DEL', history)
  return candidate
end
`

/** Pops kept publications that expired (they expire oldest first while retention is steady). */
const DROP_EXPIRED = `
local function drop_expired(history, now)
  for _ = 1, 1000 do
    local head = redis.call('LINDEX', history, 0)
    if not head then return end
    local expires = tonumber(string.sub(head, 1, string.find(head, ' ', 1, true) - 1))
    if expires > now then return end
    redis.call('LPOP', history)
  end
end
`

/** Keeps the stream's meta key at least `ms` more. */
const TOUCH = `
local function touch(meta, ms)
  if redis.call('PTTL', meta) < ms then redis.call('PEXPIRE', meta, ms) end
end
`

/**
 * KEYS: meta, history, dedup (the meta key again when there is no idempotency key).
 * ARGV: topic, epoch candidate, may create ('1'), historySize, historyTtlMs, dedupWindowMs,
 * has key ('1'), the pub's JSON members after seq and epoch, stream idle TTL in ms.
 * Returns {'absent'}, {'dup', epoch, seq} or {'ok', epoch, seq}.
 */
export const PUBLISH_SCRIPT = `${NOW_MS}${OPEN_STREAM}${DROP_EXPIRED}${TOUCH}
local meta, history, dedup = KEYS[1], KEYS[2], KEYS[3]
local has_key = ARGV[7] == '1'
if has_key then
  local seen = redis.call('GET', dedup)
  if seen then
    local space = string.find(seen, ' ', 1, true)
    return {'dup', string.sub(seen, space + 1), tonumber(string.sub(seen, 1, space - 1))}
  end
end
local epoch = open_stream(meta, history, ARGV[2], ARGV[3])
if not epoch then return {'absent'} end
local seq = redis.call('HINCRBY', meta, 's', 1)
local pub = '{"seq":' .. seq .. ',"epoch":"' .. epoch .. '",' .. ARGV[8] .. '}'
local size = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
if size > 0 then
  drop_expired(history, now)
  redis.call('RPUSH', history, (now + ttl) .. ' ' .. pub)
  redis.call('LTRIM', history, -size, -1)
  if redis.call('PTTL', history) < ttl then redis.call('PEXPIRE', history, ttl) end
else
  redis.call('DEL', history)
end
touch(meta, math.max(ttl, tonumber(ARGV[9])))
if has_key then redis.call('SET', dedup, seq .. ' ' .. epoch, 'PX', ARGV[6]) end
redis.call('PUBLISH', ARGV[1], 'p' .. pub)
return {'ok', epoch, seq}
`

/**
 * KEYS: meta, history. ARGV: epoch candidate, may create ('1'), stream idle TTL in ms, since seq
 * ('' for none), limit, newest first without since ('1').
 * Returns {'absent'} or {'ok', epoch, seq, pub JSON…} with the pubs oldest first.
 */
export const HISTORY_SCRIPT = `${NOW_MS}${OPEN_STREAM}${DROP_EXPIRED}${TOUCH}
local meta, history = KEYS[1], KEYS[2]
local epoch = open_stream(meta, history, ARGV[1], ARGV[2])
if not epoch then return {'absent'} end
touch(meta, tonumber(ARGV[3]))
drop_expired(history, now)
local seq = tonumber(redis.call('HGET', meta, 's'))
local limit = tonumber(ARGV[5])
local reply = {'ok', epoch, seq}
if limit <= 0 then return reply end
local entries
if ARGV[4] ~= '' then
  -- Kept seqs are consecutive and end at the top, so the first one after since is found by
  -- arithmetic.
  local first = seq - redis.call('LLEN', history) + 1
  local start = math.max(0, tonumber(ARGV[4]) + 1 - first)
  entries = redis.call('LRANGE', history, start, start + limit - 1)
else
  entries = redis.call('LRANGE', history, -limit, -1)
end
for _, entry in ipairs(entries) do
  local space = string.find(entry, ' ', 1, true)
  if tonumber(string.sub(entry, 1, space - 1)) > now then
    reply[#reply + 1] = string.sub(entry, space + 1)
  end
end
return reply
`

/** KEYS: members, member expiry. ARGV: client, member JSON, TTL in ms. */
export const PRESENCE_ADD_SCRIPT = `${NOW_MS}
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
for _, key in ipairs(KEYS) do
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
return 1
`

/** KEYS: members, member expiry. Removes expired entries, returns the live members' JSON. */
export const PRESENCE_LIST_SCRIPT = `${NOW_MS}
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
if #expired > 0 then
  redis.call('HDEL', KEYS[1], unpack(expired))
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
end
return redis.call('HVALS', KEYS[1])
`

/** KEYS: members, member expiry. ARGV: client. */
export const PRESENCE_REMOVE_SCRIPT = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`

/**
 * KEYS: the state key. ARGV: delta. Adds to a JSON number (absent is 0); returns the new value's
 * JSON, or an error reply when the stored value is not a number.
 */
export const INCR_SCRIPT = `
local current = redis.call('GET', KEYS[1])
local value = 0
if current then
  value = tonumber(current)
  if value == nil or string.find(current, '^%s*[-0-9]') == nil then
    return redis.error_reply('not a number')
  end
end
local next = value + tonumber(ARGV[1])
local text
if next == math.floor(next) and math.abs(next) < 2^53 then
  text = string.format('%d', next)
else
  text = string.format('%.17g', next)
end
redis.call('SET', KEYS[1], text)
return text
`
