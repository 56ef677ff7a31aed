-- Workload for lua.rv64: n-body simulation, string building/parsing, table sorting,
-- closures and a small JSON-style serializer/parser. Deterministic output only
-- (no time, no addresses, no pairs() iteration order).
-- Usage: lua bench.lua [nbody_steps]
local N = tonumber(arg and arg[1]) or 20000

---------------------------------------------------------------- n-body
local sqrt = math.sqrt
local PI = math.pi
local SOLAR_MASS = 4 * PI * PI
local DAYS_PER_YEAR = 365.24
local bodies = {
  { x = 0, y = 0, z = 0, vx = 0, vy = 0, vz = 0, mass = SOLAR_MASS },
  { x = 4.84143144246472090e+00, y = -1.16032004402742839e+00, z = -1.03622044471123109e-01,
    vx = 1.66007664274403694e-03 * DAYS_PER_YEAR, vy = 7.69901118419740425e-03 * DAYS_PER_YEAR,
    vz = -6.90460016972063023e-05 * DAYS_PER_YEAR, mass = 9.54791938424326609e-04 * SOLAR_MASS },
  { x = 8.34336671824457987e+00, y = 4.12479856412430479e+00, z = -4.03523417114321381e-01,
    vx = -2.76742510726862411e-03 * DAYS_PER_YEAR, vy = 4.99852801234917238e-03 * DAYS_PER_YEAR,
    vz = 2.30417297573763929e-05 * DAYS_PER_YEAR, mass = 2.85885980666130812e-04 * SOLAR_MASS },
  { x = 1.28943695621391310e+01, y = -1.51111514016986312e+01, z = -2.23307578892655734e-01,
    vx = 2.96460137564761618e-03 * DAYS_PER_YEAR, vy = 2.37847173959480950e-03 * DAYS_PER_YEAR,
    vz = -2.96589568540237556e-05 * DAYS_PER_YEAR, mass = 4.36624404335156298e-05 * SOLAR_MASS },
  { x = 1.53796971148509165e+01, y = -2.59193146099879641e+01, z = 1.79258772950371181e-01,
    vx = 2.68067772490389322e-03 * DAYS_PER_YEAR, vy = 1.62824170038242295e-03 * DAYS_PER_YEAR,
    vz = -9.51592254519715870e-05 * DAYS_PER_YEAR, mass = 5.15138902046611451e-05 * SOLAR_MASS },
}

local function advance(b, nb, dt)
  for i = 1, nb do
    local bi = b[i]
    local bix, biy, biz, bimass = bi.x, bi.y, bi.z, bi.mass
    local bivx, bivy, bivz = bi.vx, bi.vy, bi.vz
    for j = i + 1, nb do
      local bj = b[j]
      local dx, dy, dz = bix - bj.x, biy - bj.y, biz - bj.z
      local d2 = dx * dx + dy * dy + dz * dz
      local mag = dt / (d2 * sqrt(d2))
      local bm = bj.mass * mag
      bivx = bivx - (dx * bm); bivy = bivy - (dy * bm); bivz = bivz - (dz * bm)
      bm = bimass * mag
      bj.vx = bj.vx + (dx * bm); bj.vy = bj.vy + (dy * bm); bj.vz = bj.vz + (dz * bm)
    end
    bi.vx, bi.vy, bi.vz = bivx, bivy, bivz
    bi.x = bix + dt * bivx; bi.y = biy + dt * bivy; bi.z = biz + dt * bivz
  end
end

local function energy(b, nb)
  local e = 0
  for i = 1, nb do
    local bi = b[i]
    local vx, vy, vz, bim = bi.vx, bi.vy, bi.vz, bi.mass
    e = e + (0.5 * bim * (vx * vx + vy * vy + vz * vz))
    for j = i + 1, nb do
      local bj = b[j]
      local dx, dy, dz = bi.x - bj.x, bi.y - bj.y, bi.z - bj.z
      e = e - ((bim * bj.mass) / sqrt(dx * dx + dy * dy + dz * dz))
    end
  end
  return e
end

local function offset_momentum(b, nb)
  local px, py, pz = 0, 0, 0
  for i = 1, nb do
    local bi = b[i]
    local bim = bi.mass
    px = px + (bi.vx * bim); py = py + (bi.vy * bim); pz = pz + (bi.vz * bim)
  end
  b[1].vx = -px / SOLAR_MASS; b[1].vy = -py / SOLAR_MASS; b[1].vz = -pz / SOLAR_MASS
end

local nb = #bodies
offset_momentum(bodies, nb)
print(string.format("nbody start  %0.9f", energy(bodies, nb)))
for _ = 1, N do advance(bodies, nb, 0.01) end
print(string.format("nbody %d steps %0.9f", N, energy(bodies, nb)))

---------------------------------------------------------------- PRNG (deterministic LCG)
local seed = 42
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return (seed >> 16) % n
end

---------------------------------------------------------------- strings + tables
local words = {}
local letters = "abcdefghijklmnopqrstuvwxyz"
for i = 1, 4000 do
  local len = 3 + rand(8)
  local t = {}
  for k = 1, len do
    local c = 1 + rand(26)
    t[k] = letters:sub(c, c)
  end
  words[i] = table.concat(t)
end
local freq = {}
local text = table.concat(words, " ")
for w in text:gmatch("%a+") do
  local key = w:sub(1, 2)
  freq[key] = (freq[key] or 0) + 1
end
local keys = {}
for k in pairs(freq) do keys[#keys + 1] = k end
table.sort(keys, function(a, b)
  if freq[a] ~= freq[b] then return freq[a] > freq[b] end
  return a < b
end)
local top = {}
for i = 1, 8 do top[i] = keys[i] .. "=" .. freq[keys[i]] end
print("prefixes " .. #keys .. " top " .. table.concat(top, ","))
local up = text:upper():gsub("[AEIOU]", function(v) return v:lower() end)
print("text len " .. #text .. " vowels " .. select(2, text:gsub("[aeiou]", "")) ..
      " sample " .. up:sub(1, 40))
print("reversed " .. string.reverse(words[1] .. words[2] .. words[3]))
print("fmt " .. string.format("%q %5.3e %x %-6s|", "a\nb", 12345.6789, 48879, "pad"))

---------------------------------------------------------------- closures + coroutines
local function counter(step)
  local n = 0
  return function() n = n + step; return n end
end
local cs = {}
for i = 1, 50 do cs[i] = counter(i) end
local total = 0
for _ = 1, 200 do for i = 1, 50 do total = total + cs[i]() end end
print("closures " .. total)

local function gen(n)
  return coroutine.wrap(function()
    local a, b = 0, 1
    for _ = 1, n do coroutine.yield(a); a, b = b, a + b end
  end)
end
local fsum = 0
for v in gen(80) do fsum = fsum ~ v end
print("fib xor " .. fsum)

---------------------------------------------------------------- JSON-ish serializer/parser
local function ser(v, out)
  local t = type(v)
  if t == "table" then
    if #v > 0 or next(v) == nil then
      out[#out + 1] = "["
      for i = 1, #v do
        if i > 1 then out[#out + 1] = "," end
        ser(v[i], out)
      end
      out[#out + 1] = "]"
    else
      local ks = {}
      for k in pairs(v) do ks[#ks + 1] = k end
      table.sort(ks)
      out[#out + 1] = "{"
      for i, k in ipairs(ks) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = string.format("%q:", k)
        ser(v[k], out)
      end
      out[#out + 1] = "}"
    end
  elseif t == "string" then out[#out + 1] = string.format("%q", v)
  elseif math.type(v) == "integer" then out[#out + 1] = tostring(v)
  elseif t == "number" then out[#out + 1] = string.format("%.6g", v)
  else out[#out + 1] = tostring(v) end
end

local function parse(s)
  local pos = 1
  local function ws() pos = s:find("[^ \n]", pos) or #s + 1 end
  local value
  local function str()
    local e = pos + 1
    while true do
      local c = s:sub(e, e)
      if c == "\\" then e = e + 2 elseif c == '"' then break else e = e + 1 end
    end
    local r = s:sub(pos + 1, e - 1):gsub("\\(.)", "%1")
    pos = e + 1
    return r
  end
  function value()
    ws()
    local c = s:sub(pos, pos)
    if c == "{" then
      pos = pos + 1; local o = {}
      ws()
      if s:sub(pos, pos) == "}" then pos = pos + 1; return o end
      repeat
        ws(); local k = str(); ws(); pos = pos + 1
        o[k] = value(); ws()
        c = s:sub(pos, pos); pos = pos + 1
      until c == "}"
      return o
    elseif c == "[" then
      pos = pos + 1; local a = {}
      ws()
      if s:sub(pos, pos) == "]" then pos = pos + 1; return a end
      repeat
        a[#a + 1] = value(); ws()
        c = s:sub(pos, pos); pos = pos + 1
      until c == "]"
      return a
    elseif c == '"' then return str()
    else
      local num = s:match("^-?[%d%.eE+-]+", pos)
      if num then pos = pos + #num; return math.tointeger(tonumber(num)) or tonumber(num) end
      for lit, val in pairs({ ["true"] = true, ["false"] = false }) do
        if s:sub(pos, pos + #lit - 1) == lit then pos = pos + #lit; return val end
      end
      error("bad json at " .. pos)
    end
  end
  return value()
end

local records = {}
for i = 1, 400 do
  records[i] = {
    id = i, name = words[i], score = (rand(100000) / 7), ok = (i % 3 == 0),
    tags = { words[i + 1], words[i + 2] }, pos = { x = rand(1000) - 500, y = rand(1000) - 500 },
  }
end
local out = {}
ser({ records = records, count = #records }, out)
local json = table.concat(out)
local checksum = 0
for i = 1, #json do checksum = (checksum * 31 + json:byte(i)) % 4294967291 end
print("json bytes " .. #json .. " hash " .. checksum)
local back = parse(json)
local out2 = {}
ser(back, out2)
local json2 = table.concat(out2)
print("roundtrip " .. tostring(json == json2) .. " count " .. back.count ..
      " last " .. back.records[back.count].name .. " score " ..
      string.format("%.3f", back.records[17].score))
local sx = 0
for _, r in ipairs(back.records) do if r.ok then sx = sx + r.pos.x * r.pos.y end end
print("sum ok x*y " .. sx)
print(json:sub(1, 120))
