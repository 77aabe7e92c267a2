//! What the host gives a script: its functions (ABI §11), registered once
//! by `init`, each call one crossing; and its modules (ABI §12), which
//! `require` finds through lpackage_sandbox.c's host searcher.

const std = @import("std");
const lua = @import("lua.zig");
const ser = @import("serializer.zig");
const ext_table = @import("ext_table.zig");
const request = @import("request.zig");
const deadline = @import("deadline.zig");
const c = lua.c;

extern "env" fn js_host_call(fn_index: u32, args_ptr: [*]const u8, args_len: usize, res_ptr: [*]u8, res_max: usize) i32;
extern "env" fn js_host_reply(ticket: u32, ptr: [*]u8, len: usize) i32;

/// Replies up to this size take one crossing (ABI §11: `res_max`).
pub const reply_bytes_inline_max = 64 * 1024;
/// Tables nested deeper than this cross in neither direction (ABI §11).
const depth_max = 100;
/// Host calls in progress at once: a finalizer or hook may call one while
/// another prepares its arguments (ABI §11 "Nesting").
const nesting_max = 200;

/// The functions record (ABI §3.1) `init` read; `install` registers it.
pub var names: request.Args = .{};
/// The modules of the eval under way (ABI §12).
pub var modules: request.Modules = .{};

var reply_inline: [reply_bytes_inline_max]u8 = undefined;
/// The arguments of every call in progress, one after the other: a nested
/// call appends after the call it interrupted and cuts back when it ends.
var args: ser.Bytes = .{};
var args_starts: [nesting_max]usize = undefined;
/// The thread of each call in progress: only its own closer ends it.
var args_threads: [nesting_max]*lua.State = undefined;
var nesting: usize = 0;

var key_closer: u8 = 0;
/// The plain tables made for dotted names, a sequence: restored with the libraries.
var key_tables: u8 = 0;

// ---------------------------------------------------------------- registration

/// Checks the functions record (ABI §3.1) before any Lua state exists:
/// its structure and each name's form. What depends on the globals is
/// checked by `install`.
pub fn parseNames(record: []const u8) ?request.Args {
    if (record.len < 4) return null;
    const count = std.mem.readInt(u32, record[0..4], .little);
    var rest = record[4..];
    var i: u32 = 0;
    while (i < count) : (i += 1) {
        if (rest.len < 4) return null;
        const len = std.mem.readInt(u32, rest[0..4], .little);
        if (len > rest.len - 4) return null;
        if (!validName(rest[4..][0..len])) return null;
        rest = rest[4 + len ..];
    }
    return .{ .count = count, .bytes = record[4 .. record.len - rest.len] };
}

fn validName(name: []const u8) bool {
    var parts = std.mem.splitScalar(u8, name, '.');
    var first = true;
    while (parts.next()) |part| : (first = false) {
        if (part.len == 0 or std.ascii.isDigit(part[0])) return false;
        for (part) |ch| if (!std.ascii.isAlphanumeric(ch) and ch != '_') return false;
        if (first and (std.mem.eql(u8, part, "_home") or std.mem.eql(u8, part, "arg"))) return false;
    }
    return true;
}

test "a host function's name is Lua names joined by dots, never _home or arg" {
    try std.testing.expect(validName("price"));
    try std.testing.expect(validName("log.info"));
    try std.testing.expect(validName("_G.x2"));
    try std.testing.expect(!validName(""));
    try std.testing.expect(!validName("log."));
    try std.testing.expect(!validName("2x"));
    try std.testing.expect(!validName("a-b"));
    try std.testing.expect(!validName("_home.x"));
    try std.testing.expect(!validName("arg"));
}

/// Sets every host function in the globals (ABI §3.1), before the pristine
/// environment is recorded. Raises when a path runs through a value that is
/// not a table or a name is given twice; `init` then fails.
pub fn install(L: *lua.State) void {
    c.lua_createtable(L, 0, 0);
    c.lua_rawsetp(L, lua.REGISTRYINDEX, &key_tables);
    c.lua_createtable(L, 0, 1);
    c.lua_createtable(L, 0, 1);
    lua.pushFn(L, leave);
    c.lua_setfield(L, -2, "__close");
    _ = c.lua_setmetatable(L, -2);
    c.lua_rawsetp(L, lua.REGISTRYINDEX, &key_closer);

    var it = names.iterator();
    var index: c.lua_Integer = 0;
    while (it.next()) |name| : (index += 1) {
        lua.ensureStack(L, 8);
        lua.pushGlobalTable(L);
        var parts = std.mem.splitScalar(u8, name, '.');
        var part = parts.next().?;
        while (parts.peek() != null) : (part = parts.next().?) {
            lua.pushSlice(L, part);
            switch (c.lua_rawget(L, -2)) {
                lua.TTABLE => {},
                lua.TNIL => {
                    lua.pop(L, 1);
                    c.lua_createtable(L, 0, 4);
                    lua.pushSlice(L, part);
                    c.lua_pushvalue(L, -2);
                    c.lua_rawset(L, -4);
                    _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_tables);
                    c.lua_pushvalue(L, -2);
                    c.lua_rawseti(L, -2, @intCast(c.lua_rawlen(L, -2) + 1));
                    lua.pop(L, 1);
                },
                else => raiseName(L, name, "runs through a value that is not a table"),
            }
            c.lua_replace(L, -2);
        }
        lua.pushSlice(L, part);
        if (isHostTable(L)) raiseName(L, name, "would replace the table of other host functions");
        if (c.lua_tocfunction(L, -1) == @as(c.lua_CFunction, call)) raiseName(L, name, "is given twice");
        lua.pop(L, 1);
        lua.pushSlice(L, part);
        c.lua_pushinteger(L, index);
        lua.pushSlice(L, name);
        c.lua_pushcclosure(L, call, 2);
        c.lua_rawset(L, -3);
        lua.pop(L, 1);
    }
}

/// Whether the value on top is a table made for dotted names.
fn isHostTable(L: *lua.State) bool {
    _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_tables);
    defer lua.pop(L, 1);
    const n: c.lua_Integer = @intCast(c.lua_rawlen(L, -1));
    var i: c.lua_Integer = 1;
    while (i <= n) : (i += 1) {
        _ = c.lua_rawgeti(L, -1, i);
        defer lua.pop(L, 1);
        if (c.lua_rawequal(L, -1, -3) != 0) return true;
    }
    return false;
}

fn raiseName(L: *lua.State, name: []const u8, what: [*:0]const u8) noreturn {
    lua.pushSlice(L, name);
    lua.raise(L, "host function '%s' %s", .{ c.lua_tolstring(L, -1, null), what });
}

/// Pushes the tables made for dotted names, which the restore after each
/// eval puts back like the libraries (ABI §1); returns how many.
pub fn pushTables(L: *lua.State) c_int {
    _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_tables);
    const list = c.lua_gettop(L);
    const n: c_int = @intCast(c.lua_rawlen(L, list));
    lua.ensureStack(L, n + 4);
    var i: c_int = 1;
    while (i <= n) : (i += 1) _ = c.lua_rawgeti(L, list, i);
    c.lua_rotate(L, list, -1);
    lua.pop(L, 1); // the list
    return n;
}

/// What every eval starts from: no call in progress.
pub fn beginEval(m: request.Modules) void {
    modules = m;
    args.clear();
    nesting = 0;
}

pub fn endEval() void {
    modules = .{};
}

// ---------------------------------------------------------------- a call

/// A host function: upvalue 1 its index, upvalue 2 its registered name.
fn call(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    const argc = c.lua_gettop(L);
    lua.ensureStack(L, 32);
    if (nesting == nesting_max) raiseAt(L, 0, "host calls are nested too deeply", "");
    // The arguments' place is given back when the call ends, by an error
    // too: the closer is a to-be-closed slot, as lauxlib's buffers are.
    // The errors raised here close it first: a coroutine that dies in an
    // error never closes its slots.
    _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_closer);
    const closer = c.lua_gettop(L);
    c.lua_toclose(L, closer);
    const start = args.list.items.len;
    args_starts[nesting] = start;
    args_threads[nesting] = L;
    nesting += 1;

    encodeArgs(L, argc) catch |e| badArgument(L, closer, e);
    const index: u32 = @intCast(c.lua_tointegerx(L, lua.upvalueIndex(1), null));
    const sent = args.list.items[start..];
    const n = js_host_call(index, sent.ptr, sent.len, &reply_inline, reply_inline.len);
    // The host function may have taken any time (ABI §7).
    deadline.check();
    if (n < 5) malformed(L, closer);
    const len: usize = @intCast(n);
    const reply: []const u8 = if (len <= reply_inline.len) blk: {
        // Copied before anything can run a finalizer that calls the host
        // again: lua_pushlstring checks the GC only after the copy.
        _ = c.lua_pushlstring(L, &reply_inline, len);
        break :blk lua.stringAt(L, -1).?;
    } else blk: {
        // The host keeps it under the ticket it wrote; the buffer is Lua's,
        // under memory_bytes_max (Lua's own "not enough memory" if it cannot be had).
        const ticket = std.mem.readInt(u32, reply_inline[0..4], .little);
        const room: [*]u8 = @ptrCast(c.lua_newuserdatauv(L, len, 0).?);
        if (js_host_reply(ticket, room, len) != 0) malformed(L, closer);
        break :blk room[0..len];
    };
    const first = c.lua_gettop(L) + 1;
    var r: ser.Reader = .{ .bytes = reply };
    const kind = (r.take(1) catch unreachable)[0];
    if (kind == 1) {
        const message = r.take(r.int(u32) catch malformed(L, closer)) catch malformed(L, closer);
        if (r.at != reply.len) malformed(L, closer);
        raiseAt(L, closer, "", message);
    }
    if (kind != 0) malformed(L, closer);
    const count = r.int(u32) catch malformed(L, closer);
    if (count > reply.len) malformed(L, closer);
    c.luaL_checkstack(L, @intCast(count + 8), "too many results from the host");
    var i: u32 = 0;
    while (i < count) : (i += 1) pushValue(L, &r, 0) catch malformed(L, closer);
    if (r.at != reply.len) malformed(L, closer);
    return c.lua_gettop(L) - first + 1;
}

/// The closer's `__close`: the call at the deepest level has ended. A
/// coroutine that died in a call and is closed later (`coroutine.close`,
/// perhaps in a later eval) finds another thread's call there, or none,
/// and leaves it alone.
fn leave(Lopt: ?*lua.State) callconv(.c) c_int {
    if (nesting == 0 or args_threads[nesting - 1] != lua.state(Lopt)) return 0;
    nesting -= 1;
    args.list.shrinkRetainingCapacity(args_starts[nesting]);
    return 0;
}

/// Raises at the calling line: the registered name, then `what` or the
/// host's message, which may hold any bytes. Closes the call's closer
/// first, unless `closer` is 0.
fn raiseAt(L: *lua.State, closer: c_int, comptime what: []const u8, message: []const u8) noreturn {
    if (closer != 0) c.lua_closeslot(L, closer);
    c.luaL_where(L, 1);
    c.lua_pushvalue(L, lua.upvalueIndex(2));
    _ = c.lua_pushstring(L, ": " ++ what);
    lua.pushSlice(L, message);
    c.lua_concat(L, 4);
    _ = c.lua_error(L);
    unreachable;
}

fn malformed(L: *lua.State, closer: c_int) noreturn {
    raiseAt(L, closer, "the host's reply is malformed", "");
}

// ---------------------------------------------------------------- arguments

const Refused = error{ function, thread, userdata, table_key, cycle, too_deep, OutOfMemory };

/// Which argument was refused, for the message.
var refused_arg: c_int = 0;

fn encodeArgs(L: *lua.State, argc: c_int) Refused!void {
    try args.putInt(u32, @intCast(argc));
    var path: [depth_max]?*const anyopaque = undefined;
    var i: c_int = 1;
    while (i <= argc) : (i += 1) {
        refused_arg = i;
        try encode(L, i, &path, 0);
    }
}

/// One value (ABI §4.1), read raw; a table is tag 8, an external one read
/// through in its order. Nothing here allocates in the Lua heap but the
/// loads of external tables.
fn encode(L: *lua.State, idx: c_int, path: *[depth_max]?*const anyopaque, depth: usize) Refused!void {
    lua.ensureStack(L, 16);
    if (try ser.putScalar(&args, L, idx)) return;
    switch (c.lua_type(L, idx)) {
        lua.TTABLE => {},
        lua.TFUNCTION => return error.function,
        lua.TTHREAD => return error.thread,
        else => return error.userdata,
    }
    if (depth == depth_max) return error.too_deep;
    const self = c.lua_topointer(L, idx);
    for (path[0..depth]) |p| if (p == self) return error.cycle;
    path[depth] = self;

    try args.putTag(.table);
    const count_at = try args.reserveU32();
    var count: u32 = 0;
    const external = ext_table.isExternal(L, idx);
    c.lua_pushnil(L);
    while (true) {
        if (external) {
            lua.pushFn(L, ext_table.next);
            c.lua_pushvalue(L, idx);
            c.lua_pushvalue(L, -3);
            c.lua_callk(L, 2, 2, 0, null);
            c.lua_rotate(L, -3, -1);
            lua.pop(L, 1); // the previous key
            if (c.lua_type(L, -2) == lua.TNIL) {
                lua.pop(L, 2);
                break;
            }
        } else if (c.lua_next(L, idx) == 0) break;
        const key = c.lua_gettop(L) - 1;
        if (c.lua_type(L, key) == lua.TTABLE) return error.table_key;
        try encode(L, key, path, depth + 1);
        try encode(L, key + 1, path, depth + 1);
        count += 1;
        lua.pop(L, 1);
    }
    args.patchU32(count_at, count);
}

fn badArgument(L: *lua.State, closer: c_int, e: Refused) noreturn {
    c.lua_closeslot(L, closer);
    if (e == error.OutOfMemory) lua.raise(L, "not enough memory", .{});
    const what: [*:0]const u8 = switch (e) {
        error.function => "a function",
        error.thread => "a thread",
        error.userdata => "a userdata",
        error.table_key => "a table as a key",
        error.cycle => "a table that contains itself",
        error.too_deep => "tables nested deeper than 100",
        error.OutOfMemory => unreachable,
    };
    lua.raise(L, "bad argument #%d to '%s' (cannot pass %s to the host)", .{ refused_arg, c.lua_tolstring(L, lua.upvalueIndex(2), null), what });
}

// ---------------------------------------------------------------- results

const Malformed = ser.Reader.Error;

/// Pushes one reply value (tags 0–5 and 8); tables become plain tables.
fn pushValue(L: *lua.State, r: *ser.Reader, depth: usize) Malformed!void {
    lua.ensureStack(L, 8);
    switch (try r.tag()) {
        .nil => c.lua_pushnil(L),
        .false => c.lua_pushboolean(L, 0),
        .true => c.lua_pushboolean(L, 1),
        .integer => c.lua_pushinteger(L, try r.int(i64)),
        .float => c.lua_pushnumber(L, @bitCast(try r.int(u64))),
        .string => {
            const s = try r.take(try r.int(u32));
            lua.pushSlice(L, s);
        },
        .table => {
            if (depth == depth_max) return error.Malformed;
            const count = try r.int(u32);
            if (count > r.bytes.len - r.at) return error.Malformed;
            c.lua_createtable(L, 0, 0);
            var i: u32 = 0;
            while (i < count) : (i += 1) {
                if (r.at == r.bytes.len) return error.Malformed;
                const tag = r.bytes[r.at];
                if (tag == @intFromEnum(ser.Tag.nil) or tag == @intFromEnum(ser.Tag.table)) return error.Malformed;
                try pushValue(L, r, depth + 1);
                if (c.lua_type(L, -1) == lua.TNUMBER and !lua.isInteger(L, -1) and std.math.isNan(c.lua_tonumberx(L, -1, null)))
                    return error.Malformed;
                try pushValue(L, r, depth + 1);
                c.lua_rawset(L, -3);
            }
        },
        .table_ref, .new_table, .other => return error.Malformed,
    }
}

// ---------------------------------------------------------------- modules

/// For lpackage_sandbox.c's host searcher: the source of this eval's module
/// `name`, or null.
fn wc_host_module(name: [*]const u8, len: usize, size: *usize) callconv(.c) ?[*]const u8 {
    const source = modules.find(name[0..len]) orelse return null;
    size.* = source.len;
    return source.ptr;
}

// Called from C, not by hosts: hidden from the exports.
comptime {
    @export(&wc_host_module, .{ .name = "wc_host_module", .visibility = .hidden });
}
