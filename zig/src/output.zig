//! The captured output of one eval: `print`, `io.write` and warnings, in order,
//! up to `output_bytes_max`, then one truncation marker (ABI §3).

const std = @import("std");
const lua = @import("lua.zig");
const c = lua.c;

pub const output_bytes_max_default: u32 = 1024 * 1024;

pub var output_bytes_max: u32 = output_bytes_max_default;
var bytes: std.ArrayList(u8) = .empty;
var truncated = false;
var warnings_on = true;
var warning_open = false;

pub fn reset() void {
    bytes.clearRetainingCapacity();
    truncated = false;
    warnings_on = true;
    warning_open = false;
}

pub fn text() []const u8 {
    return bytes.items;
}

pub fn write(s: []const u8) void {
    if (truncated) return;
    const room = output_bytes_max - bytes.items.len;
    if (s.len <= room) {
        append(s);
        return;
    }
    append(s[0..room]);
    truncated = true;
    var marker: [64]u8 = undefined;
    append(std.fmt.bufPrint(&marker, "\n[output truncated: more than {d} bytes]\n", .{output_bytes_max}) catch unreachable);
}

fn append(s: []const u8) void {
    // Output lives outside the Lua heap; if even libc cannot grow it, what was
    // captured so far is kept and the rest is dropped.
    bytes.appendSlice(std.heap.c_allocator, s) catch {
        truncated = true;
    };
}

fn wc_output_write(s: [*]const u8, len: usize) callconv(.c) void {
    write(s[0..len]);
}

/// Lua's `lua_writestringerror(fmt, arg)`: every use in lauxlib.c is a format
/// with at most one "%s".
fn wc_output_error(fmt: [*:0]const u8, arg: [*:0]const u8) callconv(.c) void {
    const f = std.mem.span(fmt);
    if (std.mem.indexOf(u8, f, "%s")) |at| {
        write(f[0..at]);
        write(std.mem.span(arg));
        write(f[at + 2 ..]);
    } else write(f);
}

/// The warning function (`warn`): on by default, "@on"/"@off" switch it for the
/// eval, pieces of one message (`tocont`) are joined as in lauxlib.c.
pub fn warnf(ud: ?*anyopaque, msg: [*c]const u8, tocont: c_int) callconv(.c) void {
    _ = ud;
    const m = std.mem.span(@as([*:0]const u8, @ptrCast(msg)));
    if (!warning_open and tocont == 0 and m.len > 0 and m[0] == '@') {
        if (std.mem.eql(u8, m, "@on")) warnings_on = true;
        if (std.mem.eql(u8, m, "@off")) warnings_on = false;
        return;
    }
    if (!warnings_on) return;
    if (!warning_open) write("Lua warning: ");
    write(m);
    warning_open = tocont != 0;
    if (!warning_open) write("\n");
}

// Called from C (sandbox.h), not by hosts: hidden from the exports.
comptime {
    @export(&wc_output_write, .{ .name = "wc_output_write", .visibility = .hidden });
    @export(&wc_output_error, .{ .name = "wc_output_error", .visibility = .hidden });
}
