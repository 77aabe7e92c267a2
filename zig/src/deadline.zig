//! The eval's wall-clock deadline (ABI §7): the module asks the host through
//! `js_deadline`, which traps once the host's `timeout_ms` has passed. The
//! VM asks at the end of every budget slice (sandbox.zig), the host-function
//! path after every call (embed.zig), and the C loops that can run long
//! within one VM instruction when the work counter here runs out
//! (src/deadline.h). The module never reads a clock for this, so what a
//! script computes and counts is the same on every host.

extern "env" fn js_deadline() void;

/// Units of work between two calls when no slice ends first: about 2^16
/// steps of a C loop or 256 MiB of data, a fraction of a second.
pub const units_max: i64 = 1 << 16;

/// Units left before the next call (src/deadline.h charges it).
var units: i64 = units_max;
/// What one step of the pattern matcher costs: 1 + the longest subject of
/// this eval / 4 KiB, since a `%b` step scans the subject (src/lstrlib_deadline.h).
var pattern_step_units: i64 = 1;

/// Asks the host; a host whose deadline has passed does not return.
pub fn check() callconv(.c) void {
    units = units_max;
    js_deadline();
}

/// Every eval starts with a whole counter and the cheapest pattern step.
pub fn resetEval() void {
    units = units_max;
    pattern_step_units = 1;
}

/// A step that may touch `n` bytes, as src/deadline.h's wc_deadline_bytes.
pub fn spendBytes(n: usize) void {
    units -= 1 + @as(i64, @intCast(n >> 12));
    if (units < 0) check();
}

// Called from C (src/deadline.h), not by hosts: hidden from the exports.
comptime {
    @export(&units, .{ .name = "wc_deadline_units", .visibility = .hidden });
    @export(&pattern_step_units, .{ .name = "wc_deadline_pattern_step_units", .visibility = .hidden });
    @export(&check, .{ .name = "wc_deadline_check", .visibility = .hidden });
}
