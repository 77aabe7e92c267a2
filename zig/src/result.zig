//! The result record of an eval (ABI §4): output, stderr, return values,
//! error, statistics. It lives in `record` until the next `compute`.

const std = @import("std");
const lua = @import("lua.zig");
const ser = @import("serializer.zig");
const ext_table = @import("ext_table.zig");
const c = lua.c;

/// Tables in return values nested deeper than this are shown as `other`.
const depth_max = 100;

pub var record: ser.Bytes = .{};
/// The encoded return values, built while they are still on the Lua stack.
var values: ser.Bytes = .{};
var value_count: u32 = 0;

pub fn reset() void {
    values.clear();
    value_count = 0;
}

/// Encodes the values at stack slots `first..top` (ABI §4.1). External tables
/// are read through; a table met again on its own path is a cycle.
pub fn encodeValues(L: *lua.State, first: c_int) error{OutOfMemory}!void {
    const top = c.lua_gettop(L);
    c.lua_createtable(L, 0, 0);
    const visiting = c.lua_gettop(L);
    var i = first;
    while (i <= top) : (i += 1) {
        try encode(L, i, visiting, 0);
        value_count += 1;
    }
    lua.pop(L, 1);
}

fn encode(L: *lua.State, idx: c_int, visiting: c_int, depth: u32) error{OutOfMemory}!void {
    lua.ensureStack(L, 16);
    if (try ser.putScalar(&values, L, idx)) return;
    if (c.lua_type(L, idx) != lua.TTABLE or depth >= depth_max) return other(L, idx);
    c.lua_pushvalue(L, idx);
    if (c.lua_rawget(L, visiting) != lua.TNIL) {
        lua.pop(L, 1);
        return other(L, idx);
    }
    lua.pop(L, 1);
    c.lua_pushvalue(L, idx);
    c.lua_pushboolean(L, 1);
    c.lua_rawset(L, visiting);

    try values.putTag(.table);
    const count_at = try values.reserveU32();
    var count: u32 = 0;
    // The sandbox's `next` walks external tables in their order too.
    lua.pushFn(L, ext_table.next);
    const next = c.lua_gettop(L);
    c.lua_pushnil(L);
    while (true) {
        c.lua_pushvalue(L, next);
        c.lua_pushvalue(L, idx);
        c.lua_pushvalue(L, -3);
        c.lua_callk(L, 2, 2, 0, null);
        if (c.lua_type(L, -2) == lua.TNIL) {
            lua.pop(L, 3);
            break;
        }
        const key = c.lua_gettop(L) - 1;
        // A table as a key is shown by its address: a key must stay a scalar.
        if (c.lua_type(L, key) == lua.TTABLE) try other(L, key) else try encode(L, key, visiting, depth + 1);
        try encode(L, key + 1, visiting, depth + 1);
        count += 1;
        c.lua_rotate(L, -3, -1);
        lua.pop(L, 2);
    }
    lua.pop(L, 1);
    values.patchU32(count_at, count);

    c.lua_pushvalue(L, idx);
    c.lua_pushnil(L);
    c.lua_rawset(L, visiting);
}

/// "type: address", without `__tostring`: encoding runs no script code.
fn other(L: *lua.State, idx: c_int) error{OutOfMemory}!void {
    try values.putTag(.other);
    _ = c.lua_pushfstring(L, "%s: %p", c.luaL_typename(L, idx), c.lua_topointer(L, idx));
    try values.putString(lua.stringAt(L, -1).?);
    lua.pop(L, 1);
}

pub const Stats = struct {
    instructions: u64,
    heap_used: u32,
    heap_peak: u32,
};

/// ABI §4: the record's head, six lengths and the statistics.
const head_bytes = 40;

/// Writes the whole record, its head first; the values were encoded before.
pub fn build(out: []const u8, err_out: []const u8, message: []const u8, traceback: []const u8, stats: Stats) error{OutOfMemory}!void {
    record.clear();
    const parts = [_][]const u8{ out, err_out, values.list.items, message, traceback };
    var head: [head_bytes]u8 = undefined;
    std.mem.writeInt(u32, head[0..4], @intCast(out.len), .little);
    std.mem.writeInt(u32, head[4..8], @intCast(err_out.len), .little);
    std.mem.writeInt(u32, head[8..12], value_count, .little);
    std.mem.writeInt(u32, head[12..16], @intCast(values.list.items.len), .little);
    std.mem.writeInt(u32, head[16..20], @intCast(message.len), .little);
    std.mem.writeInt(u32, head[20..24], @intCast(traceback.len), .little);
    std.mem.writeInt(u64, head[24..32], stats.instructions, .little);
    std.mem.writeInt(u32, head[32..36], stats.heap_used, .little);
    std.mem.writeInt(u32, head[36..40], stats.heap_peak, .little);
    try record.put(&head);
    for (parts) |part| try record.put(part);
}
