//! Type-tagged values (ABI §4.1): the one encoding for `_home` keys and values
//! crossing to the host, and for the return values of an eval.

const std = @import("std");
const lua = @import("lua.zig");
const c = lua.c;

pub const Tag = enum(u8) {
    nil = 0,
    false = 1,
    true = 2,
    integer = 3,
    float = 4,
    string = 5,
    table_ref = 6,
    new_table = 7,
    table = 8,
    other = 9,
};

/// A growing byte buffer outside the Lua heap.
pub const Bytes = struct {
    list: std.ArrayList(u8) = .empty,

    pub fn clear(b: *Bytes) void {
        b.list.clearRetainingCapacity();
    }

    pub fn put(b: *Bytes, s: []const u8) error{OutOfMemory}!void {
        try b.list.appendSlice(std.heap.c_allocator, s);
    }

    pub fn putTag(b: *Bytes, tag: Tag) error{OutOfMemory}!void {
        try b.list.append(std.heap.c_allocator, @intFromEnum(tag));
    }

    pub fn putInt(b: *Bytes, comptime T: type, v: T) error{OutOfMemory}!void {
        var raw: [@sizeOf(T)]u8 = undefined;
        std.mem.writeInt(T, &raw, v, .little);
        try b.put(&raw);
    }

    pub fn putString(b: *Bytes, s: []const u8) error{OutOfMemory}!void {
        try b.putInt(u32, @intCast(s.len));
        try b.put(s);
    }

    /// Reserve `n` bytes for a u32 to be patched later; returns its offset.
    pub fn reserveU32(b: *Bytes) error{OutOfMemory}!usize {
        const at = b.list.items.len;
        try b.putInt(u32, 0);
        return at;
    }

    pub fn patchU32(b: *Bytes, at: usize, v: u32) void {
        std.mem.writeInt(u32, b.list.items[at..][0..4], v, .little);
    }
};

/// Encodes the scalar at `idx` (nil, boolean, number, string). Returns false,
/// writing nothing, for any other type.
pub fn putScalar(b: *Bytes, L: *lua.State, idx: c_int) error{OutOfMemory}!bool {
    switch (c.lua_type(L, idx)) {
        lua.TNIL => try b.putTag(.nil),
        lua.TBOOLEAN => try b.putTag(if (c.lua_toboolean(L, idx) != 0) .true else .false),
        lua.TNUMBER => if (lua.isInteger(L, idx)) {
            try b.putTag(.integer);
            try b.putInt(i64, c.lua_tointegerx(L, idx, null));
        } else {
            try b.putTag(.float);
            try b.putInt(u64, @bitCast(c.lua_tonumberx(L, idx, null)));
        },
        lua.TSTRING => {
            try b.putTag(.string);
            try b.putString(lua.stringAt(L, idx).?);
        },
        else => return false,
    }
    return true;
}

/// Reading side: a cursor over bytes the host wrote.
pub const Reader = struct {
    bytes: []const u8,
    at: usize = 0,

    pub const Error = error{Malformed};

    pub fn take(r: *Reader, n: usize) Error![]const u8 {
        if (r.bytes.len - r.at < n) return error.Malformed;
        defer r.at += n;
        return r.bytes[r.at..][0..n];
    }

    pub fn int(r: *Reader, comptime T: type) Error!T {
        return std.mem.readInt(T, (try r.take(@sizeOf(T)))[0..@sizeOf(T)], .little);
    }

    pub fn tag(r: *Reader) Error!Tag {
        return std.enums.fromInt(Tag, (try r.take(1))[0]) orelse error.Malformed;
    }
};

/// A decoded store value (tags 0–6).
pub const Value = union(enum) {
    nil,
    boolean: bool,
    integer: i64,
    float: f64,
    string: []const u8,
    table_ref: u32,
};

pub fn readValue(r: *Reader) Reader.Error!Value {
    return switch (try r.tag()) {
        .nil => .nil,
        .false => .{ .boolean = false },
        .true => .{ .boolean = true },
        .integer => .{ .integer = try r.int(i64) },
        .float => .{ .float = @bitCast(try r.int(u64)) },
        .string => .{ .string = try r.take(try r.int(u32)) },
        .table_ref => .{ .table_ref = try r.int(u32) },
        .new_table, .table, .other => error.Malformed,
    };
}

/// Pushes a scalar value; a table ref is the caller's business.
pub fn pushScalar(L: *lua.State, v: Value) void {
    switch (v) {
        .nil => c.lua_pushnil(L),
        .boolean => |x| c.lua_pushboolean(L, @intFromBool(x)),
        .integer => |x| c.lua_pushinteger(L, x),
        .float => |x| c.lua_pushnumber(L, x),
        .string => |s| lua.pushSlice(L, s),
        .table_ref => unreachable,
    }
}

test "a float keeps its bits through the encoding" {
    var b: Bytes = .{};
    try b.putTag(.float);
    try b.putInt(u64, @bitCast(@as(f64, -0.0)));
    var r: Reader = .{ .bytes = b.list.items };
    const v = try readValue(&r);
    try std.testing.expectEqual(@as(u64, @bitCast(@as(f64, -0.0))), @as(u64, @bitCast(v.float)));
}
