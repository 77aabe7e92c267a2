//! The captured streams of one eval (ABI §4): standard output and standard
//! error, each up to `output_bytes_max`, then one truncation marker (ABI §3).
//! They are written through the io library's FILEs (lio_sandbox.c), warnings
//! and the sandbox's notices too, as `lua.c` writes them to stderr.

const std = @import("std");
const lua = @import("lua.zig");
const c = lua.c;

pub const output_bytes_max_default: u32 = 1024 * 1024;

pub var output_bytes_max: u32 = output_bytes_max_default;

/// One captured stream; the limit counts each stream apart.
pub const Stream = struct {
    bytes: std.ArrayList(u8) = .empty,
    truncated: bool = false,

    pub fn reset(s: *Stream) void {
        s.bytes.clearRetainingCapacity();
        s.truncated = false;
    }

    pub fn text(s: *const Stream) []const u8 {
        return s.bytes.items;
    }

    pub fn write(s: *Stream, data: []const u8) void {
        if (s.truncated) return;
        const room = output_bytes_max - s.bytes.items.len;
        if (data.len <= room) {
            s.append(data);
            return;
        }
        s.append(data[0..room]);
        s.truncated = true;
        var marker: [64]u8 = undefined;
        s.append(std.fmt.bufPrint(&marker, "\n[output truncated: more than {d} bytes]\n", .{output_bytes_max}) catch unreachable);
    }

    fn append(s: *Stream, data: []const u8) void {
        // Output lives outside the Lua heap; if even libc cannot grow it, what
        // was captured so far is kept and the rest is dropped.
        s.bytes.appendSlice(std.heap.c_allocator, data) catch {
            s.truncated = true;
        };
    }
};

pub var stdout: Stream = .{};
pub var stderr: Stream = .{};

/// Off until `warn("@on")`, as in `lua.c`; part of what the restore after an
/// eval puts back (ABI §1), so a kept eval (a REPL's line) keeps it.
var warnings_on = false;
/// The pieces of one message (`tocont`) are being written.
var warning_open = false;

/// Empties both streams for a new eval.
pub fn reset() void {
    stdout.reset();
    stderr.reset();
    warning_open = false;
}

pub fn resetWarnings() void {
    warnings_on = false;
}

fn wc_stdout_append(s: [*]const u8, len: usize) callconv(.c) void {
    stdout.write(s[0..len]);
}

fn wc_stderr_append(s: [*]const u8, len: usize) callconv(.c) void {
    stderr.write(s[0..len]);
}

/// Writes to the script's stderr, after what it wrote there itself.
pub fn writeError(s: []const u8) void {
    c.wc_error_write(s.ptr, s.len);
}

/// The warning function (`warn`), after lua.c's warnfon/warnfoff/warnfcont:
/// a message that is not a continuation and starts with '@' is a control
/// message ("@on", "@off"; others are ignored), whether warnings are on or not.
pub fn warnf(ud: ?*anyopaque, msg: [*c]const u8, tocont: c_int) callconv(.c) void {
    _ = ud;
    const m = std.mem.span(@as([*:0]const u8, @ptrCast(msg)));
    if (!warning_open and tocont == 0 and m.len > 0 and m[0] == '@') {
        if (std.mem.eql(u8, m, "@on")) warnings_on = true;
        if (std.mem.eql(u8, m, "@off")) warnings_on = false;
        return;
    }
    if (!warnings_on) return;
    if (!warning_open) writeError("Lua warning: ");
    writeError(m);
    warning_open = tocont != 0;
    if (!warning_open) writeError("\n");
}

// Called from C (sandbox.h), not by hosts: hidden from the exports.
comptime {
    @export(&wc_stdout_append, .{ .name = "wc_stdout_append", .visibility = .hidden });
    @export(&wc_stderr_append, .{ .name = "wc_stderr_append", .visibility = .hidden });
}
