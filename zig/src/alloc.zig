//! The Lua heap: libc's allocator under a hard cap. Refusing an allocation is
//! how the memory limit works: Lua turns the refusal into its own
//! "not enough memory" error, identically on every host.

const std = @import("std");
const deadline = @import("deadline.zig");
const small_heap = @import("small_heap.zig");

pub const memory_bytes_max_default: usize = 64 * 1024 * 1024;

pub var memory_bytes_max: usize = memory_bytes_max_default;
pub var used: usize = 0;
pub var peak: usize = 0;
/// The largest `used` since the current eval began (ABI §4 heap_peak).
pub var eval_peak: usize = 0;

pub fn luaAlloc(ud: ?*anyopaque, ptr: ?*anyopaque, osize: usize, nsize: usize) callconv(.c) ?*anyopaque {
    _ = ud;
    // For a new block Lua passes the object's type in `osize`, not a size.
    const old: usize = if (ptr == null) 0 else osize;
    if (nsize == 0) {
        if (ptr) |p| small_heap.free(p, old);
        std.debug.assert(used >= old);
        used -= old;
        return null;
    }
    if (nsize > old and nsize - old > memory_bytes_max -| used) return null;
    // Filling what is allocated is work the deadline counts (ABI §7).
    if (nsize > old) deadline.spendBytes(nsize - old);
    const block = (if (ptr) |p| small_heap.resize(p, old, nsize) else small_heap.alloc(nsize)) orelse return null;
    used = used - old + nsize;
    peak = @max(peak, used);
    eval_peak = @max(eval_peak, used);
    return block;
}
