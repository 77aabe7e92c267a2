//! External tables (ABI §6, §9): Lua proxies whose data lives in the host.
//!
//! Each external table is an empty proxy table whose metatable reads from a
//! cache table (`__index = cache`, so a cached read costs what a plain table
//! read costs) and routes every write through `__newindex`. Reads fill the
//! cache lazily; writes stay in the cache and are sent to the host only when
//! the eval succeeds (`commit`), which makes an eval atomic over `_home` and
//! keeps boundary crossings to a few per table and eval.
//!
//! The bookkeeping of one table is a userdata `Info` with user values:
const std = @import("std");
const lua = @import("lua.zig");
const ser = @import("serializer.zig");
const c = lua.c;

const UV_PROXY = 1;
const UV_CACHE = 2;
/// Keys in insertion order; `false` marks a slot whose key moved to the end.
const UV_ORDER = 3;
/// key -> its slot in UV_ORDER.
const UV_POS = 4;
/// key -> `Dirty` for keys written in this eval.
const UV_DIRTY = 5;
/// Keys the host holds (as loaded), to know what needs a `delete`.
const UV_HOST = 6;
const UV_PARENT = 7;
const UV_KEY = 8;
const UV_COUNT = 8;

const Dirty = enum(c_int) { in_place = 1, append = 2, deleted = 3 };

/// Nesting deeper than this is refused when a table is stored (ABI §9).
pub const depth_max = 100;
pub const root_id = 1;

extern "env" fn js_ext_table_get(table_id: u32, key_ptr: [*]const u8, key_len: usize, val_ptr: [*]u8, val_max: usize) i32;
extern "env" fn js_ext_table_set(table_id: u32, key_ptr: [*]const u8, key_len: usize, val_ptr: [*]const u8, val_len: usize) i32;
extern "env" fn js_ext_table_delete(table_id: u32, key_ptr: [*]const u8, key_len: usize) i32;
extern "env" fn js_ext_table_size(table_id: u32) i32;
extern "env" fn js_ext_table_keys(table_id: u32, buf_ptr: [*]u8, buf_max: usize) i32;

const Info = struct {
    /// The host's id; negative and provisional while `pending`.
    id: i64,
    depth: u32,
    /// Slots used in UV_ORDER.
    order_len: i64,
    /// The whole table is in the cache; UV_ORDER..UV_HOST exist.
    loaded: bool,
    misses: u8,
    /// Its key was overwritten or deleted: reads still work, writes do not.
    detached: bool,
    /// Not in the host yet: created by a copy or `ext_table.new()` in this eval.
    pending: bool,
    touched: bool,
    committed: bool,
    /// Made in an earlier eval: every use is an error (ABI §1).
    retired: bool,
};

// Registry keys (their addresses) for the per-eval tables.
var key_state: u8 = 0;
var key_tables: u8 = 0;
var key_touched: u8 = 0;

var next_provisional: i64 = -1;
/// Set when the host refused a write during `commit` (ABI §5, -8).
pub var store_failed = false;
/// While the writes are sent, a finalizer (the only script code that can run
/// then) must not change them.
var committing = false;

var key_buf: ser.Bytes = .{};
var val_buf: ser.Bytes = .{};
var io: std.ArrayList(u8) = .empty;

/// Starts an eval: retires every proxy of the previous one and pushes a new `_home`.
pub fn beginEval(L: *lua.State) void {
    lua.ensureStack(L, 32);
    retireAll(L);
    next_provisional = -1;
    store_failed = false;
    committing = false;
    c.lua_createtable(L, 0, 4);
    c.lua_rawsetp(L, lua.REGISTRYINDEX, &key_tables);
    c.lua_createtable(L, 4, 0);
    c.lua_rawsetp(L, lua.REGISTRYINDEX, &key_touched);
    _ = newTable(L, root_id, 0, 0, false);
}

/// Proxies never outlive their eval (ABI §1): one that a kept global (or
/// anything else) still holds raises on every use. Its metatable stops
/// reading the cache, its state says so to every other path, and what it
/// held is let go.
fn retireAll(L: *lua.State) void {
    if (c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_tables) != lua.TTABLE) {
        lua.pop(L, 1);
        return;
    }
    const tables = c.lua_gettop(L);
    c.lua_pushnil(L);
    while (c.lua_next(L, tables) != 0) {
        _ = c.lua_getmetatable(L, -1);
        const meta = c.lua_gettop(L);
        _ = c.lua_rawgetp(L, meta, &key_state);
        const info: *Info = @ptrCast(@alignCast(c.lua_touserdata(L, -1)));
        info.retired = true;
        var uv: c_int = 1;
        while (uv <= UV_COUNT) : (uv += 1) {
            c.lua_pushnil(L);
            setUv(L, meta + 1, uv);
        }
        inline for (.{ "__index", "__newindex", "__len", "__pairs" }) |name| {
            _ = c.lua_pushstring(L, name);
            lua.pushFn(L, raiseRetired);
            c.lua_rawset(L, meta);
        }
        lua.pop(L, 3);
    }
    lua.pop(L, 1);
}

fn raiseRetired(Lopt: ?*lua.State) callconv(.c) c_int {
    lua.raise(lua.state(Lopt), "this _home table belongs to an earlier eval", .{});
}

// ---------------------------------------------------------------- re-entrancy

/// A C entry point of this file, marked for the collector while it runs
/// (src/lgc_sandbox.c): a finalizer that ran in the middle of an operation
/// could use `key_buf`, `val_buf` and `io`, or a table's half-updated
/// bookkeeping. Code here calls the unguarded functions: only the outermost
/// frame is marked.
fn guarded(comptime f: fn (?*lua.State) callconv(.c) c_int) lua.CFn {
    return &struct {
        fn call(Lopt: ?*lua.State) callconv(.c) c_int {
            c.wc_ext_enter(Lopt);
            const n = f(Lopt);
            c.wc_ext_leave(Lopt);
            return n;
        }
    }.call;
}

/// The proxies' metamethods: the sandbox's own, hidden from `debug.getinfo`.
pub fn isInternal(f: lua.CFn) bool {
    inline for (.{ cacheMiss, newIndex, lenMeta, pairsMeta }) |m| {
        if (f == guarded(m)) return true;
    }
    return false;
}

// ---------------------------------------------------------------- states

/// If the value at `idx` is an external table, pushes its state and returns
/// its Info; otherwise pushes nothing. A proxy of an earlier eval raises.
fn pushState(L: *lua.State, idx: c_int) ?*Info {
    if (c.lua_type(L, idx) != lua.TTABLE) return null;
    if (c.lua_getmetatable(L, idx) == 0) return null;
    if (c.lua_rawgetp(L, -1, &key_state) != lua.TUSERDATA) {
        lua.pop(L, 2);
        return null;
    }
    c.lua_rotate(L, -2, -1);
    lua.pop(L, 1); // state, not the metatable
    const info: *Info = @ptrCast(@alignCast(c.lua_touserdata(L, -1)));
    if (info.retired) _ = raiseRetired(L);
    return info;
}

pub fn isExternal(L: *lua.State, idx: c_int) bool {
    if (pushState(L, idx) == null) return false;
    lua.pop(L, 1);
    return true;
}

/// Pushes user value `uv` of the state at `s`.
inline fn getUv(L: *lua.State, s: c_int, uv: c_int) c_int {
    return c.lua_getiuservalue(L, s, uv);
}

/// Pops the top into user value `uv` of the state at `s`.
inline fn setUv(L: *lua.State, s: c_int, uv: c_int) void {
    _ = c.lua_setiuservalue(L, s, uv);
}

fn absIndex(L: *lua.State, idx: c_int) c_int {
    return if (idx == 0) 0 else c.lua_absindex(L, idx);
}

/// Creates the proxy of table `id` and pushes it. `parent` (a state) and `key`
/// are stack indices, or 0 for a table that belongs to no key.
fn newTable(L: *lua.State, id: i64, parent_idx: c_int, key_idx: c_int, pending: bool) *Info {
    const parent = absIndex(L, parent_idx);
    const key = absIndex(L, key_idx);
    const info: *Info = @ptrCast(@alignCast(c.lua_newuserdatauv(L, @sizeOf(Info), UV_COUNT)));
    const s = c.lua_gettop(L);
    var depth: u32 = 0;
    if (parent != 0) depth = (@as(*Info, @ptrCast(@alignCast(c.lua_touserdata(L, parent))))).depth + 1;
    info.* = .{ .id = id, .depth = depth, .order_len = 0, .loaded = false, .misses = 0, .detached = false, .pending = pending, .touched = false, .committed = false, .retired = false };

    c.lua_createtable(L, 0, 0); // cache
    if (pending) {
        setUv(L, s, UV_CACHE);
        initOrder(L, s, info);
    } else {
        // Until the table is loaded, a cache miss asks the host.
        c.lua_createtable(L, 0, 1);
        c.lua_pushvalue(L, s);
        c.lua_pushcclosure(L, guarded(cacheMiss), 1);
        c.lua_setfield(L, -2, "__index");
        _ = c.lua_setmetatable(L, -2);
        setUv(L, s, UV_CACHE);
    }
    if (parent != 0) {
        c.lua_pushvalue(L, parent);
        setUv(L, s, UV_PARENT);
        c.lua_pushvalue(L, key);
        setUv(L, s, UV_KEY);
    }

    c.lua_createtable(L, 0, 0); // proxy
    c.lua_createtable(L, 0, 8); // its metatable
    _ = getUv(L, s, UV_CACHE);
    c.lua_setfield(L, -2, "__index");
    c.lua_pushvalue(L, s);
    c.lua_pushcclosure(L, guarded(newIndex), 1);
    c.lua_setfield(L, -2, "__newindex");
    lua.pushFn(L, guarded(lenMeta));
    c.lua_setfield(L, -2, "__len");
    lua.pushFn(L, guarded(pairsMeta));
    c.lua_setfield(L, -2, "__pairs");
    _ = c.lua_pushstring(L, "external table");
    c.lua_setfield(L, -2, "__name");
    _ = c.lua_pushstring(L, "external table");
    c.lua_setfield(L, -2, "__metatable");
    c.lua_pushvalue(L, s);
    c.lua_rawsetp(L, -2, &key_state);
    _ = c.lua_setmetatable(L, -2);
    c.lua_pushvalue(L, -1);
    setUv(L, s, UV_PROXY);

    _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_tables);
    c.lua_pushvalue(L, -2);
    c.lua_rawseti(L, -2, id);
    lua.pop(L, 1);
    c.lua_rotate(L, s, 1);
    lua.pop(L, 1); // the state; the proxy stays
    return info;
}

/// An empty, fully known table: order, positions, dirty and host sets.
fn initOrder(L: *lua.State, s: c_int, info: *Info) void {
    inline for (.{ UV_ORDER, UV_POS, UV_DIRTY, UV_HOST }) |uv| {
        c.lua_createtable(L, 0, 0);
        setUv(L, s, uv);
    }
    info.loaded = true;
}

/// Walks up the parents: a table is writable unless it, or a table above it,
/// was removed from its key.
fn isLive(L: *lua.State, s: c_int) bool {
    var live = true;
    c.lua_pushvalue(L, s);
    var pushed: c_int = 1;
    while (true) {
        const info: *Info = @ptrCast(@alignCast(c.lua_touserdata(L, -1)));
        if (info.detached) {
            live = false;
            break;
        }
        if (getUv(L, -1, UV_PARENT) != lua.TUSERDATA) {
            pushed += 1;
            break;
        }
        pushed += 1;
    }
    lua.pop(L, pushed);
    return live;
}

// ---------------------------------------------------------------- errors

/// Pushes a readable path for the table at state `s`, e.g. `_home.config[3]`.
fn pushPath(L: *lua.State, s: c_int) void {
    var b: c.luaL_Buffer = undefined;
    // Collect keys from the table up to its root, then write them root first.
    c.lua_createtable(L, 8, 0);
    const keys = c.lua_gettop(L);
    c.lua_pushvalue(L, s);
    var n: c_int = 0;
    while (true) {
        if (getUv(L, -1, UV_PARENT) != lua.TUSERDATA) {
            lua.pop(L, 1);
            break;
        }
        _ = getUv(L, -2, UV_KEY);
        n += 1;
        c.lua_rawseti(L, keys, n);
        c.lua_rotate(L, -2, 1);
        lua.pop(L, 1);
    }
    const root: *Info = @ptrCast(@alignCast(c.lua_touserdata(L, -1)));
    const root_id_value = root.id;
    lua.pop(L, 1);
    c.luaL_buffinit(L, &b);
    if (root_id_value == root_id) {
        c.luaL_addlstring(&b, "_home", 5);
    } else {
        var num: [32]u8 = undefined;
        const text = std.fmt.bufPrint(&num, "ext_table[{d}]", .{root_id_value}) catch unreachable;
        c.luaL_addlstring(&b, text.ptr, text.len);
    }
    while (n > 0) : (n -= 1) {
        _ = c.lua_rawgeti(L, keys, n);
        addKeyToPath(L, &b);
    }
    c.luaL_pushresult(&b);
    c.lua_rotate(L, keys, -1);
    lua.pop(L, 1);
}

/// Appends the key on top of the stack (and pops it) as `.name` or `[k]`.
fn addKeyToPath(L: *lua.State, b: *c.luaL_Buffer) void {
    if (lua.stringAt(L, -1)) |s| {
        if (isIdentifier(s)) {
            c.luaL_addlstring(b, ".", 1);
            c.luaL_addvalue(b);
            return;
        }
        _ = c.lua_pushfstring(L, "[\"%s\"]", c.lua_tolstring(L, -1, null));
        c.lua_rotate(L, -2, 1);
        lua.pop(L, 1);
        c.luaL_addvalue(b);
        return;
    }
    _ = c.lua_pushfstring(L, "[%s]", c.luaL_tolstring(L, -1, null));
    c.lua_rotate(L, -3, 1);
    lua.pop(L, 2);
    c.luaL_addvalue(b);
}

fn isIdentifier(s: []const u8) bool {
    if (s.len == 0 or std.ascii.isDigit(s[0])) return false;
    for (s) |ch| if (!(std.ascii.isAlphanumeric(ch) or ch == '_')) return false;
    return true;
}

/// Raises "<what> <path><key>", naming the place of the failed store.
fn raiseAt(L: *lua.State, s: c_int, key: c_int, what: [*:0]const u8) noreturn {
    const k = c.lua_absindex(L, key);
    pushPath(L, s);
    var b: c.luaL_Buffer = undefined;
    c.luaL_buffinit(L, &b);
    c.lua_pushvalue(L, -2);
    c.luaL_addvalue(&b);
    c.lua_pushvalue(L, k);
    addKeyToPath(L, &b);
    c.luaL_pushresult(&b);
    lua.raise(L, "%s %s", .{ what, c.lua_tolstring(L, -1, null) });
}

// ---------------------------------------------------------------- keys

/// Replaces the key at `idx` by its normal form (a float with an integer value
/// becomes that integer) or raises for keys external tables cannot hold.
fn checkKey(L: *lua.State, s: c_int, key: c_int) void {
    const idx = c.lua_absindex(L, key);
    switch (c.lua_type(L, idx)) {
        lua.TSTRING => return,
        lua.TNUMBER => {
            if (lua.isInteger(L, idx)) return;
            var ok: c_int = 0;
            const i = c.lua_tointegerx(L, idx, &ok);
            if (ok != 0) {
                c.lua_pushinteger(L, i);
                c.lua_replace(L, idx);
                return;
            }
            const shown = c.luaL_tolstring(L, idx, null);
            pushPath(L, s);
            lua.raise(L, "invalid key %s in %s: keys of external tables are strings or integers", .{ shown, c.lua_tolstring(L, -1, null) });
        },
        else => {
            pushPath(L, s);
            lua.raise(L, "invalid key (a %s) in %s: keys of external tables are strings or integers", .{ c.luaL_typename(L, idx), c.lua_tolstring(L, -1, null) });
        },
    }
}

fn isValidKey(L: *lua.State, idx: c_int) bool {
    return switch (c.lua_type(L, idx)) {
        lua.TSTRING => true,
        lua.TNUMBER => lua.isInteger(L, idx),
        else => false,
    };
}

fn encodeKey(L: *lua.State, idx: c_int) []const u8 {
    key_buf.clear();
    const ok = ser.putScalar(&key_buf, L, idx) catch raiseMemory(L);
    std.debug.assert(ok);
    return key_buf.list.items;
}

fn raiseMemory(L: *lua.State) noreturn {
    _ = c.lua_pushstring(L, "not enough memory");
    _ = c.lua_error(L);
    unreachable;
}

// ---------------------------------------------------------------- reading from the host

fn tableId(L: *lua.State, info: *Info) u32 {
    if (info.id < 1 or info.id > std.math.maxInt(u32)) lua.raise(L, "external table %I is not in the host", .{info.id});
    return @intCast(info.id);
}

fn raiseGone(L: *lua.State, id: i64) noreturn {
    lua.raise(L, "external table %I no longer exists", .{id});
}

/// Calls a host function that fills `io`, growing it as the host asks.
fn fetch(L: *lua.State, comptime call: fn (u32, []u8) i32, id: u32) ?[]const u8 {
    if (io.items.len == 0) io.resize(std.heap.c_allocator, 4096) catch raiseMemory(L);
    var n = call(id, io.items);
    if (n > io.items.len) {
        io.resize(std.heap.c_allocator, @intCast(n)) catch raiseMemory(L);
        n = call(id, io.items);
    }
    if (n < 0) return null;
    std.debug.assert(n <= io.items.len);
    return io.items[0..@intCast(n)];
}

/// Pushes the value `v` read from the host into table state `s` at `key`:
/// scalars as they are, table refs as the (unique) proxy of that table.
fn pushHostValue(L: *lua.State, s: c_int, key: c_int, v: ser.Value) void {
    switch (v) {
        .table_ref => |id| {
            _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_tables);
            if (c.lua_rawgeti(L, -1, id) == lua.TTABLE) {
                c.lua_rotate(L, -2, -1);
                lua.pop(L, 1);
                return;
            }
            lua.pop(L, 2);
            _ = newTable(L, id, s, key, false);
        },
        else => ser.pushScalar(L, v),
    }
}

/// Loads the whole table from the host (ABI §6.1): merges it under what the
/// cache already holds and records the host's order.
fn load(L: *lua.State, s: c_int, info: *Info) void {
    if (info.loaded) return;
    const id = tableId(L, info);
    const got = fetch(L, struct {
        fn call(tid: u32, buf: []u8) i32 {
            return js_ext_table_keys(tid, buf.ptr, buf.len);
        }
    }.call, id) orelse raiseGone(L, info.id);
    // The host's bytes are copied out before any Lua call can reuse `io`.
    const bytes = std.heap.c_allocator.dupe(u8, got) catch raiseMemory(L);
    defer std.heap.c_allocator.free(bytes);
    var r: ser.Reader = .{ .bytes = bytes };
    const count = r.int(u32) catch raiseMalformed(L);

    initOrder(L, s, info);
    _ = getUv(L, s, UV_CACHE);
    _ = getUv(L, s, UV_ORDER);
    _ = getUv(L, s, UV_POS);
    _ = getUv(L, s, UV_HOST);
    const cache = c.lua_gettop(L) - 3;
    const order = cache + 1;
    const pos = cache + 2;
    const host = cache + 3;
    var i: u32 = 0;
    while (i < count) : (i += 1) {
        ser.pushScalar(L, ser.readValue(&r) catch raiseMalformed(L));
        if (!isValidKey(L, -1)) raiseMalformed(L);
        const slot: i64 = @as(i64, i) + 1;
        c.lua_pushvalue(L, -1);
        c.lua_rawseti(L, order, slot);
        c.lua_pushvalue(L, -1);
        c.lua_pushinteger(L, slot);
        c.lua_rawset(L, pos);
        c.lua_pushvalue(L, -1);
        c.lua_pushboolean(L, 1);
        c.lua_rawset(L, host);
        const v = ser.readValue(&r) catch raiseMalformed(L);
        c.lua_pushvalue(L, -1);
        if (c.lua_rawget(L, cache) != lua.TNIL) {
            lua.pop(L, 2); // fetched earlier by key: keep that proxy or value
            continue;
        }
        lua.pop(L, 1);
        pushHostValue(L, s, -1, v);
        c.lua_rawset(L, cache);
    }
    info.order_len = count;
    // Loaded: misses are plain nils from now on.
    c.lua_pushnil(L);
    _ = c.lua_setmetatable(L, cache);
    lua.pop(L, 4);
}

fn raiseMalformed(L: *lua.State) noreturn {
    lua.raise(L, "the host sent a malformed external table", .{});
}

/// `__index` of a cache that is not loaded yet: the first miss asks the host
/// for one key, the second loads the whole table.
fn cacheMiss(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    const s = lua.upvalueIndex(1);
    const info: *Info = @ptrCast(@alignCast(c.lua_touserdata(L, s)));
    if (!isValidKey(L, 2)) return 0;
    info.misses += 1;
    if (info.misses >= 2) {
        load(L, s, info);
        lua.pop(L, c.lua_gettop(L) - 2);
        _ = c.lua_rawget(L, 1);
        return 1;
    }
    const id = tableId(L, info);
    const key = encodeKey(L, 2);
    if (io.items.len == 0) io.resize(std.heap.c_allocator, 4096) catch raiseMemory(L);
    var n = js_ext_table_get(id, key.ptr, key.len, io.items.ptr, io.items.len);
    if (n > io.items.len) {
        io.resize(std.heap.c_allocator, @intCast(n)) catch raiseMemory(L);
        n = js_ext_table_get(id, key.ptr, key.len, io.items.ptr, io.items.len);
    }
    if (n < 0) raiseGone(L, info.id);
    var r: ser.Reader = .{ .bytes = io.items[0..@intCast(n)] };
    const v = ser.readValue(&r) catch raiseMalformed(L);
    if (v == .nil) return 0;
    // One push copies the bytes before any collection (and finalizer) can run.
    pushHostValue(L, s, 2, v);
    c.lua_pushvalue(L, 2);
    c.lua_pushvalue(L, -2);
    c.lua_rawset(L, 1);
    return 1;
}

// ---------------------------------------------------------------- writing

/// `__newindex(proxy, key, value)`, upvalue: the state.
fn newIndex(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    c.lua_settop(L, 3);
    if (!storeScalarInPlace(L, lua.upvalueIndex(1))) store(L, lua.upvalueIndex(1), 2, 3);
    return 0;
}

/// The common write, `t.k = <scalar>` over a scalar already there, without
/// the general path's checks; false (and nothing done) for anything else.
fn storeScalarInPlace(L: *lua.State, s: c_int) bool {
    const info: *Info = @ptrCast(@alignCast(c.lua_touserdata(L, s)));
    if (!takesPlainWrite(info)) return false;
    const key_type = c.lua_type(L, 2);
    if (key_type != lua.TSTRING and !(key_type == lua.TNUMBER and lua.isInteger(L, 2))) return false;
    const val_type = c.lua_type(L, 3);
    if (val_type != lua.TBOOLEAN and val_type != lua.TNUMBER and val_type != lua.TSTRING) return false;
    _ = getUv(L, s, UV_CACHE);
    c.lua_pushvalue(L, 2);
    const old = c.lua_rawget(L, 4);
    lua.pop(L, 1);
    if (old == lua.TNIL or old == lua.TTABLE) {
        lua.pop(L, 1);
        return false;
    }
    c.lua_pushvalue(L, 2);
    c.lua_pushvalue(L, 3);
    c.lua_rawset(L, 4);
    lua.pop(L, 1);
    markDirty(L, s, info, 2, .in_place);
    return true;
}

/// A table whose scalar writes over scalars need none of `store`'s checks:
/// loaded, a root (no table above it can be removed), not removed, and not
/// while the writes are sent.
fn takesPlainWrite(info: *const Info) bool {
    return info.loaded and !committing and !info.detached and info.depth == 0;
}

/// For the VM's write path (src/lvm_home.h): `f` is the proxies' __newindex,
/// `state` the Info of its upvalue, and a scalar written over a scalar that
/// this eval has already marked dirty needs nothing but the cache's slot.
fn plainWrite(f: lua.CFn, state: *const anyopaque) callconv(.c) c_int {
    if (f != guarded(newIndex)) return 0;
    const info: *const Info = @ptrCast(@alignCast(state));
    return @intFromBool(info.touched and takesPlainWrite(info));
}

const uv_cache: c_int = UV_CACHE;
const uv_dirty: c_int = UV_DIRTY;

// Called from C (src/lvm_home.h), not by hosts: hidden from the exports.
comptime {
    @export(&plainWrite, .{ .name = "wc_ext_plain_write", .visibility = .hidden });
    @export(&uv_cache, .{ .name = "wc_ext_uv_cache", .visibility = .hidden });
    @export(&uv_dirty, .{ .name = "wc_ext_uv_dirty", .visibility = .hidden });
}

/// t[key] = value for the state at `s`.
fn store(L: *lua.State, s_idx: c_int, key_idx: c_int, val_idx: c_int) void {
    const s = c.lua_absindex(L, s_idx);
    const key = c.lua_absindex(L, key_idx);
    const val = c.lua_absindex(L, val_idx);
    const info: *Info = @ptrCast(@alignCast(c.lua_touserdata(L, s)));
    checkKey(L, s, key);
    if (committing) lua.raise(L, "cannot write to an external table while the eval ends", .{});
    if (!isLive(L, s)) {
        pushPath(L, s);
        lua.raise(L, "cannot write to %s: it was removed from its table", .{c.lua_tolstring(L, -1, null)});
    }
    load(L, s, info);
    const top = c.lua_gettop(L);
    defer c.lua_settop(L, top);
    _ = getUv(L, s, UV_CACHE);
    const cache = c.lua_gettop(L);
    c.lua_pushvalue(L, key);
    const old_type = c.lua_rawget(L, cache);
    const old = c.lua_gettop(L);

    switch (c.lua_type(L, val)) {
        lua.TNIL => {
            if (old_type == lua.TNIL) return;
            detach(L, old);
            setCache(L, cache, key, val);
            markDirty(L, s, info, key, .deleted);
            return;
        },
        lua.TBOOLEAN, lua.TNUMBER, lua.TSTRING => {
            detach(L, old);
            c.lua_pushvalue(L, val);
        },
        lua.TTABLE => {
            if (c.lua_rawequal(L, old, val) != 0) return; // t.k = t.k
            var visiting: c_int = 0;
            c.lua_createtable(L, 0, 0);
            visiting = c.lua_gettop(L);
            copyTable(L, s, key, val, visiting, info.depth + 1);
            detach(L, old);
        },
        else => raiseAt(L, s, key, storeRefusal(L, val)),
    }
    // The new value is on top.
    setCache(L, cache, key, c.lua_gettop(L));
    if (old_type == lua.TNIL) {
        appendKey(L, s, info, key);
        markDirty(L, s, info, key, .append);
    } else markDirty(L, s, info, key, .in_place);
}

fn storeRefusal(L: *lua.State, val: c_int) [*:0]const u8 {
    return switch (c.lua_type(L, val)) {
        lua.TFUNCTION => "cannot store a function in",
        lua.TTHREAD => "cannot store a thread in",
        else => "cannot store a userdata in",
    };
}

fn setCache(L: *lua.State, cache: c_int, key: c_int, val: c_int) void {
    c.lua_pushvalue(L, key);
    c.lua_pushvalue(L, val);
    c.lua_rawset(L, cache);
}

/// The value at `old` leaves its key: if it is an external table, its data
/// goes away with the key in the host, so it becomes read-only here.
fn detach(L: *lua.State, old: c_int) void {
    if (pushState(L, old)) |child| {
        child.detached = true;
        lua.pop(L, 1);
    }
}

/// Puts `key` at the end of the order (a key set again after a delete moves).
fn appendKey(L: *lua.State, s: c_int, info: *Info, key: c_int) void {
    _ = getUv(L, s, UV_ORDER);
    _ = getUv(L, s, UV_POS);
    c.lua_pushvalue(L, key);
    if (c.lua_rawget(L, -2) == lua.TNUMBER) {
        c.lua_pushboolean(L, 0);
        c.lua_rawseti(L, -4, c.lua_tointegerx(L, -2, null));
    }
    lua.pop(L, 1);
    info.order_len += 1;
    c.lua_pushvalue(L, key);
    c.lua_rawseti(L, -3, info.order_len);
    c.lua_pushvalue(L, key);
    c.lua_pushinteger(L, info.order_len);
    c.lua_rawset(L, -3);
    lua.pop(L, 2);
}

fn markDirty(L: *lua.State, s: c_int, info: *Info, key: c_int, how: Dirty) void {
    _ = getUv(L, s, UV_DIRTY);
    c.lua_pushvalue(L, key);
    const was = c.lua_rawget(L, -2);
    const keep = how == .in_place and was == lua.TNUMBER;
    lua.pop(L, 1);
    if (!keep) {
        c.lua_pushvalue(L, key);
        c.lua_pushinteger(L, @intFromEnum(how));
        c.lua_rawset(L, -3);
    }
    lua.pop(L, 1);
    if (!info.touched) {
        info.touched = true;
        _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_touched);
        c.lua_pushvalue(L, s);
        c.lua_rawseti(L, -2, @intCast(c.luaL_len(L, -2) + 1));
        lua.pop(L, 1);
    }
}

/// Pushes a new pending external table, the deep copy of the table at `src`,
/// to be stored at `key` of state `s`. `visiting` holds the source tables on
/// the current path, to refuse cycles.
fn copyTable(L: *lua.State, s: c_int, key: c_int, src: c_int, visiting: c_int, depth: u32) void {
    lua.ensureStack(L, 32);
    if (depth > depth_max) raiseAt(L, s, key, "tables nested deeper than " ++ std.fmt.comptimePrint("{d}", .{depth_max}) ++ " levels cannot be stored in");
    c.lua_pushvalue(L, src);
    if (c.lua_rawget(L, visiting) != lua.TNIL) raiseAt(L, s, key, "cannot store a cyclic table in");
    lua.pop(L, 1);
    c.lua_pushvalue(L, src);
    c.lua_pushboolean(L, 1);
    c.lua_rawset(L, visiting);

    const id = next_provisional;
    next_provisional -= 1;
    const info = newTable(L, id, s, key, true);
    const proxy = c.lua_gettop(L);
    std.debug.assert(pushState(L, proxy) != null);
    const t = c.lua_gettop(L);
    _ = getUv(L, t, UV_CACHE);
    const cache = c.lua_gettop(L);

    // An external source is read through its own order; an ordinary one raw.
    if (pushState(L, src)) |src_info| {
        const src_state = c.lua_gettop(L);
        load(L, src_state, src_info);
        _ = getUv(L, src_state, UV_ORDER);
        _ = getUv(L, src_state, UV_CACHE);
        var i: i64 = 1;
        while (i <= src_info.order_len) : (i += 1) {
            if (c.lua_rawgeti(L, -2, i) == lua.TBOOLEAN) {
                lua.pop(L, 1);
                continue;
            }
            c.lua_pushvalue(L, -1);
            if (c.lua_rawget(L, -3) == lua.TNIL) {
                lua.pop(L, 2);
                continue;
            }
            copyEntry(L, t, info, cache, visiting, depth);
        }
        lua.pop(L, 3);
    } else {
        c.lua_pushnil(L);
        while (c.lua_next(L, src) != 0) {
            c.lua_pushvalue(L, -2);
            c.lua_rotate(L, -2, 1); // key, key, value
            checkKey(L, t, -2);
            copyEntry(L, t, info, cache, visiting, depth);
        }
    }
    lua.pop(L, 2); // cache, state
    c.lua_pushvalue(L, src);
    c.lua_pushnil(L);
    c.lua_rawset(L, visiting);
}

/// With key and value on top, stores them into the pending copy and pops both.
fn copyEntry(L: *lua.State, t: c_int, info: *Info, cache: c_int, visiting: c_int, depth: u32) void {
    const key = c.lua_gettop(L) - 1;
    const val = key + 1;
    switch (c.lua_type(L, val)) {
        lua.TBOOLEAN, lua.TNUMBER, lua.TSTRING => {},
        lua.TTABLE => {
            copyTable(L, t, key, val, visiting, depth + 1);
            c.lua_replace(L, val);
        },
        else => raiseAt(L, t, key, storeRefusal(L, val)),
    }
    setCache(L, cache, key, val);
    appendKey(L, t, info, key);
    markDirty(L, t, info, key, .append);
    lua.pop(L, 2);
}

// ---------------------------------------------------------------- metamethods

fn lenMeta(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    const info = pushState(L, 1).?;
    load(L, c.lua_gettop(L), info);
    _ = getUv(L, -1, UV_CACHE);
    c.lua_pushinteger(L, @intCast(c.lua_rawlen(L, -1)));
    return 1;
}

fn pairsMeta(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    lua.pushFn(L, next);
    c.lua_pushvalue(L, 1);
    c.lua_pushnil(L);
    return 3;
}

/// `next` over an external table, in the host's order (ABI §6).
fn externalNext(L: *lua.State, s: c_int, info: *Info) c_int {
    load(L, s, info);
    _ = getUv(L, s, UV_ORDER);
    _ = getUv(L, s, UV_CACHE);
    const order = c.lua_gettop(L) - 1;
    const cache = order + 1;
    var i: i64 = 0;
    if (c.lua_type(L, 2) != lua.TNIL) {
        _ = getUv(L, s, UV_POS);
        c.lua_pushvalue(L, 2);
        if (c.lua_rawget(L, -2) != lua.TNUMBER) lua.raise(L, "invalid key to 'next'", .{});
        i = c.lua_tointegerx(L, -1, null);
        lua.pop(L, 2);
    }
    while (i < info.order_len) {
        i += 1;
        if (c.lua_rawgeti(L, order, i) == lua.TBOOLEAN) {
            lua.pop(L, 1);
            continue;
        }
        c.lua_pushvalue(L, -1);
        if (c.lua_rawget(L, cache) != lua.TNIL) return 2;
        lua.pop(L, 2);
    }
    c.lua_pushnil(L);
    return 1;
}

// ---------------------------------------------------------------- raw access overrides

pub const next = guarded(nextRaw);
pub const rawget = guarded(rawgetRaw);
pub const rawset = guarded(rawsetRaw);
pub const rawlen = guarded(rawlenRaw);

/// `next(t [, k])`, also for external tables.
fn nextRaw(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    c.luaL_checktype(L, 1, lua.TTABLE);
    c.lua_settop(L, 2);
    if (pushState(L, 1)) |info| return externalNext(L, 3, info);
    if (c.lua_next(L, 1) != 0) return 2;
    c.lua_pushnil(L);
    return 1;
}

fn rawgetRaw(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    c.luaL_checktype(L, 1, lua.TTABLE);
    c.luaL_checkany(L, 2);
    c.lua_settop(L, 2);
    if (isExternal(L, 1)) {
        _ = c.lua_gettable(L, 1);
        return 1;
    }
    _ = c.lua_rawget(L, 1);
    return 1;
}

fn rawsetRaw(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    c.luaL_checktype(L, 1, lua.TTABLE);
    c.luaL_checkany(L, 2);
    c.luaL_checkany(L, 3);
    c.lua_settop(L, 3);
    if (pushState(L, 1) != null) {
        store(L, 4, 2, 3);
    } else c.lua_rawset(L, 1);
    c.lua_settop(L, 1);
    return 1;
}

fn rawlenRaw(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    const t = c.lua_type(L, 1);
    if (t != lua.TTABLE and t != lua.TSTRING) _ = c.luaL_typeerror(L, 1, "table or string");
    if (isExternal(L, 1)) return lenMeta(L);
    c.lua_pushinteger(L, @intCast(c.lua_rawlen(L, 1)));
    return 1;
}

// ---------------------------------------------------------------- the ext_table library

/// Pushes the state of argument `arg` (an external table or an id) and returns its Info.
fn checkTable(L: *lua.State, arg: c_int) *Info {
    if (pushState(L, arg)) |info| return info;
    if (c.lua_type(L, arg) == lua.TTABLE) lua.raise(L, "bad argument #%d: an ordinary table is not an external table", .{arg});
    const id = c.luaL_checkinteger(L, arg);
    _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_tables);
    if (c.lua_rawgeti(L, -1, id) == lua.TTABLE) {
        c.lua_rotate(L, -2, -1);
        lua.pop(L, 1);
        const info = pushState(L, -1).?;
        c.lua_rotate(L, -2, -1);
        lua.pop(L, 1);
        return info;
    }
    lua.pop(L, 2);
    if (id < 1 or id > std.math.maxInt(u32) or js_ext_table_size(@intCast(id)) < 0)
        lua.raise(L, "no external table with id %I", .{id});
    _ = newTable(L, id, 0, 0, false);
    const info = pushState(L, -1).?;
    c.lua_rotate(L, -2, -1);
    lua.pop(L, 1);
    return info;
}

fn libId(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    const info = checkTable(L, 1);
    c.lua_pushinteger(L, info.id);
    return 1;
}

fn libGet(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    c.lua_settop(L, 2);
    _ = checkTable(L, 1);
    _ = getUv(L, 3, UV_PROXY);
    c.lua_pushvalue(L, 2);
    _ = c.lua_gettable(L, -2);
    return 1;
}

fn libSet(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    c.lua_settop(L, 3);
    c.luaL_checkany(L, 2);
    _ = checkTable(L, 1);
    store(L, 4, 2, 3);
    return 0;
}

fn libDelete(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    c.lua_settop(L, 2);
    c.luaL_checkany(L, 2);
    c.lua_pushnil(L);
    _ = checkTable(L, 1);
    store(L, 4, 2, 3);
    return 0;
}

fn libSize(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    c.lua_settop(L, 1);
    const info = checkTable(L, 1);
    if (!info.loaded) {
        const n = js_ext_table_size(tableId(L, info));
        if (n < 0) raiseGone(L, info.id);
        c.lua_pushinteger(L, n);
        return 1;
    }
    var n: i64 = 0;
    _ = getUv(L, 2, UV_ORDER);
    _ = getUv(L, 2, UV_CACHE);
    var i: i64 = 1;
    while (i <= info.order_len) : (i += 1) {
        if (c.lua_rawgeti(L, 3, i) != lua.TBOOLEAN and c.lua_rawget(L, 4) != lua.TNIL) n += 1;
        lua.pop(L, 1);
    }
    c.lua_pushinteger(L, n);
    return 1;
}

fn libKeys(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    c.lua_settop(L, 1);
    const info = checkTable(L, 1);
    load(L, 2, info);
    _ = getUv(L, 2, UV_ORDER);
    _ = getUv(L, 2, UV_CACHE);
    c.lua_createtable(L, @intCast(@min(info.order_len, 1 << 20)), 0);
    var n: i64 = 0;
    var i: i64 = 1;
    while (i <= info.order_len) : (i += 1) {
        if (c.lua_rawgeti(L, 3, i) == lua.TBOOLEAN) {
            lua.pop(L, 1);
            continue;
        }
        c.lua_pushvalue(L, -1);
        if (c.lua_rawget(L, 4) == lua.TNIL) {
            lua.pop(L, 2);
            continue;
        }
        lua.pop(L, 1);
        n += 1;
        c.lua_rawseti(L, 5, n);
    }
    return 1;
}

fn libNew(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    const id = next_provisional;
    next_provisional -= 1;
    _ = newTable(L, id, 0, 0, true);
    return 1;
}

const library = [_]c.luaL_Reg{
    .{ .name = "delete", .func = guarded(libDelete) },
    .{ .name = "get", .func = guarded(libGet) },
    .{ .name = "id", .func = guarded(libId) },
    .{ .name = "keys", .func = guarded(libKeys) },
    .{ .name = "new", .func = guarded(libNew) },
    .{ .name = "set", .func = guarded(libSet) },
    .{ .name = "size", .func = guarded(libSize) },
    .{ .name = null, .func = null },
};

pub fn open(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    c.lua_createtable(L, 0, library.len - 1);
    c.luaL_setfuncs(L, &library, 0);
    return 1;
}

// ---------------------------------------------------------------- commit

/// Sends this eval's writes to the host (ABI §6.1), table by table, a new
/// subtree after the key that holds it. Runs after the chunk succeeded.
pub fn commit(L: *lua.State) void {
    lua.ensureStack(L, 32);
    const top = c.lua_gettop(L);
    defer c.lua_settop(L, top);
    committing = true;
    // The queue starts as the touched tables and grows by the new subtrees.
    _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_touched);
    const queue = c.lua_gettop(L);
    var tail: i64 = @intCast(c.luaL_len(L, queue));
    var head: i64 = 1;
    while (head <= tail) : (head += 1) {
        _ = c.lua_rawgeti(L, queue, head);
        const s = c.lua_gettop(L);
        const info: *Info = @ptrCast(@alignCast(c.lua_touserdata(L, s)));
        // A table still pending was never stored under a key (or lost it);
        // one that left its key went away with it in the host.
        if (!info.committed and !info.pending and isLive(L, s)) {
            info.committed = true;
            commitTable(L, s, info, queue, &tail);
        }
        lua.pop(L, 1);
    }
}

fn commitTable(L: *lua.State, s: c_int, info: *Info, queue: c_int, tail: *i64) void {
    const id = tableId(L, info);
    _ = getUv(L, s, UV_DIRTY);
    _ = getUv(L, s, UV_HOST);
    _ = getUv(L, s, UV_ORDER);
    _ = getUv(L, s, UV_CACHE);
    const dirty = c.lua_gettop(L) - 3;
    const host = dirty + 1;
    const order = dirty + 2;
    const cache = dirty + 3;

    c.lua_pushnil(L);
    while (c.lua_next(L, dirty) != 0) {
        const how: Dirty = @enumFromInt(@as(c_int, @intCast(c.lua_tointegerx(L, -1, null))));
        lua.pop(L, 1);
        if (how == .in_place) continue;
        c.lua_pushvalue(L, -1);
        if (c.lua_rawget(L, host) != lua.TNIL) {
            const key = encodeKey(L, -2);
            if (js_ext_table_delete(id, key.ptr, key.len) < 0) storeFailed(L, info.id);
        }
        lua.pop(L, 1);
    }

    var i: i64 = 1;
    while (i <= info.order_len) : (i += 1) {
        if (c.lua_rawgeti(L, order, i) == lua.TBOOLEAN) {
            lua.pop(L, 1);
            continue;
        }
        c.lua_pushvalue(L, -1);
        const dirty_type = c.lua_rawget(L, dirty);
        lua.pop(L, 1);
        c.lua_pushvalue(L, -1);
        const value_type = c.lua_rawget(L, cache);
        if (dirty_type == lua.TNIL or value_type == lua.TNIL) {
            lua.pop(L, 2);
            continue;
        }
        const key = std.heap.c_allocator.dupe(u8, encodeKey(L, -2)) catch raiseMemory(L);
        defer std.heap.c_allocator.free(key);
        val_buf.clear();
        if (pushState(L, -1)) |child| {
            std.debug.assert(child.pending);
            val_buf.putTag(.new_table) catch raiseMemory(L);
            const new_id = js_ext_table_set(id, key.ptr, key.len, val_buf.list.items.ptr, val_buf.list.items.len);
            if (new_id <= root_id) storeFailed(L, info.id);
            child.id = new_id;
            child.pending = false;
            tail.* += 1;
            c.lua_rawseti(L, queue, tail.*); // the child's state
        } else {
            std.debug.assert(ser.putScalar(&val_buf, L, -1) catch raiseMemory(L));
            if (js_ext_table_set(id, key.ptr, key.len, val_buf.list.items.ptr, val_buf.list.items.len) < 0) storeFailed(L, info.id);
        }
        lua.pop(L, 2);
    }
    lua.pop(L, 4);
}

fn storeFailed(L: *lua.State, id: i64) noreturn {
    store_failed = true;
    lua.raise(L, "the host refused a write to external table %I", .{id});
}
