//! The request record of one eval (ABI §2.2): flags, chunk name, code,
//! standard input, arguments and modules, read in place from the I/O buffer.

const std = @import("std");

/// Bit 0 of the flags: skip the restore after this eval (ABI §1).
const flag_keep_globals: u32 = 1;

pub const Request = struct {
    keep_globals: bool = false,
    /// The chunk's name as given; empty means `input`.
    name: []const u8 = &.{},
    code: []const u8 = &.{},
    stdin: []const u8 = &.{},
    args: Args = .{},
    modules: Modules = .{},

    /// The name messages and `arg[0]` use.
    pub fn chunkName(r: Request) []const u8 {
        return if (r.name.len == 0) "input" else r.name;
    }
};

/// The arguments, still encoded: `count` × (u32 length, bytes), checked by `parse`.
pub const Args = struct {
    count: u32 = 0,
    bytes: []const u8 = &.{},

    pub fn iterator(a: Args) Iterator {
        return .{ .rest = a.bytes };
    }

    pub const Iterator = struct {
        rest: []const u8,

        pub fn next(it: *Iterator) ?[]const u8 {
            if (it.rest.len == 0) return null;
            const len = std.mem.readInt(u32, it.rest[0..4], .little);
            const arg = it.rest[4..][0..len];
            it.rest = it.rest[4 + len ..];
            return arg;
        }
    };
};

/// The modules (ABI §12), still encoded: `count` × (name, source), each a
/// u32 length and bytes, checked by `parse`.
pub const Modules = struct {
    count: u32 = 0,
    bytes: []const u8 = &.{},

    /// The source of the first module named `name`, or null.
    pub fn find(m: Modules, name: []const u8) ?[]const u8 {
        var it: Args.Iterator = .{ .rest = m.bytes };
        while (it.next()) |module_name| {
            const source = it.next().?;
            if (std.mem.eql(u8, module_name, name)) return source;
        }
        return null;
    }
};

pub const Limits = struct {
    code_bytes_max: u32,
    input_bytes_max: u32,
};

/// Why a record was refused; `message` writes the text `compute` returns with -2.
pub const Problem = union(enum) {
    unknown_flags: u32,
    runs_past_end: []const u8,
    bytes_left_over: usize,
    bad_module_name,
    code_too_large: usize,
    code_and_modules_too_large: usize,
    input_too_large: usize,

    pub fn message(p: Problem, limits: Limits, buf: []u8) []const u8 {
        return switch (p) {
            .unknown_flags => |f| std.fmt.bufPrint(buf, "the request record is malformed: unknown flags 0x{x}", .{f}),
            .runs_past_end => |field| std.fmt.bufPrint(buf, "the request record is malformed: its {s} runs past its end", .{field}),
            .bytes_left_over => |n| std.fmt.bufPrint(buf, "the request record is malformed: {d} bytes are left over after the modules", .{n}),
            .bad_module_name => std.fmt.bufPrint(buf, "the request record is malformed: a module name is empty or holds a NUL byte", .{}),
            .code_too_large => |n| std.fmt.bufPrint(buf, "the code is {d} bytes; the limit is {d}", .{ n, limits.code_bytes_max }),
            .code_and_modules_too_large => |n| std.fmt.bufPrint(buf, "the code and its modules are {d} bytes; the limit is {d}", .{ n, limits.code_bytes_max }),
            .input_too_large => |n| std.fmt.bufPrint(buf, "the input is {d} bytes; the limit is {d}", .{ n, limits.input_bytes_max }),
        } catch buf;
    }
};

const Cursor = struct {
    rest: []const u8,

    fn take(cur: *Cursor, n: usize, field: []const u8, problem: *Problem) ?[]const u8 {
        if (n > cur.rest.len) {
            problem.* = .{ .runs_past_end = field };
            return null;
        }
        const bytes = cur.rest[0..n];
        cur.rest = cur.rest[n..];
        return bytes;
    }

    fn int(cur: *Cursor, field: []const u8, problem: *Problem) ?u32 {
        const bytes = cur.take(4, field, problem) orelse return null;
        return std.mem.readInt(u32, bytes[0..4], .little);
    }

    fn string(cur: *Cursor, field: []const u8, problem: *Problem) ?[]const u8 {
        const len = cur.int(field, problem) orelse return null;
        return cur.take(len, field, problem);
    }
};

/// Reads a whole record: its structure first (every length inside the record,
/// nothing left over), then the limits.
pub fn parse(record: []const u8, limits: Limits, problem: *Problem) ?Request {
    var cur: Cursor = .{ .rest = record };
    const flags = cur.int("flags", problem) orelse return null;
    if (flags & ~flag_keep_globals != 0) {
        problem.* = .{ .unknown_flags = flags };
        return null;
    }
    var r: Request = .{ .keep_globals = flags & flag_keep_globals != 0 };
    r.name = cur.string("name", problem) orelse return null;
    r.code = cur.string("code", problem) orelse return null;
    r.stdin = cur.string("stdin", problem) orelse return null;
    r.args.count = cur.int("argument count", problem) orelse return null;
    const args_start = cur.rest;
    var i: u32 = 0;
    while (i < r.args.count) : (i += 1) {
        _ = cur.string("arguments", problem) orelse return null;
    }
    r.args.bytes = args_start[0 .. args_start.len - cur.rest.len];
    r.modules.count = cur.int("module count", problem) orelse return null;
    const modules_start = cur.rest;
    // The sources count toward code_bytes_max with the code (ABI §2), in 64
    // bits: the lengths come from the host.
    var code_bytes: u64 = r.code.len;
    i = 0;
    while (i < r.modules.count) : (i += 1) {
        const name = cur.string("modules", problem) orelse return null;
        if (name.len == 0 or std.mem.indexOfScalar(u8, name, 0) != null) {
            problem.* = .bad_module_name;
            return null;
        }
        code_bytes += (cur.string("modules", problem) orelse return null).len;
    }
    r.modules.bytes = modules_start[0 .. modules_start.len - cur.rest.len];
    if (cur.rest.len != 0) {
        problem.* = .{ .bytes_left_over = cur.rest.len };
        return null;
    }
    if (code_bytes > limits.code_bytes_max) {
        problem.* = if (r.modules.count == 0) .{ .code_too_large = r.code.len } else .{ .code_and_modules_too_large = @intCast(code_bytes) };
        return null;
    }
    if (r.stdin.len > limits.input_bytes_max) {
        problem.* = .{ .input_too_large = r.stdin.len };
        return null;
    }
    return r;
}

/// The code as `lua` reads a file (lauxlib's skipcomment): without a UTF-8
/// byte order mark, and with a first line starting with `#` (`#!/usr/bin/env
/// lua`) emptied but for its newline, so line numbers stay right.
pub fn skipComment(code: []const u8) []const u8 {
    var rest = code;
    if (std.mem.startsWith(u8, rest, "\xEF\xBB\xBF")) rest = rest[3..];
    if (rest.len == 0 or rest[0] != '#') return rest;
    const eol = std.mem.indexOfScalar(u8, rest, '\n') orelse return rest[rest.len..];
    return rest[eol..];
}
