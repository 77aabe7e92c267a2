//! Lua's small blocks: every block up to `small_bytes_max` bytes, in a few
//! size classes, carved in allocation order from 64 KiB pages shared by all
//! classes, and put back on a free list of its class when freed.
//!
//! Why not libc's malloc for these: in wasm it is Zig's WasmAllocator
//! behind a 16-byte header, with power-of-two classes that each fill pages
//! of their own. A table's 32-byte header and its 48-byte hash part then
//! live in different pages, so reading `t.key` touches two far-apart cache
//! lines where native Lua (glibc) touches one; sorting records by a field
//! ran at 2.5x native. Carving every class from the same page keeps what is
//! allocated together next to each other, as glibc does, and Lua passes
//! every block's size back (lua_Alloc's `osize`), so no header is needed.
//!
//! A freed block serves only its own class again, as in WasmAllocator, so
//! memory freed in one class and then wanted in another is new memory. The
//! classes are few for that reason: a script that frees its blocks of one
//! size and then allocates as much of the next can hold at most one heap's
//! worth per class. They step by about 1.5x and fit Lua's own objects: the
//! hash parts (24 bytes a node) and arrays (16 a value) of each power of
//! two, a table's 32-byte header.
//!
//! Larger blocks, and the rare block that Lua shrinks from large to small
//! when no small page can be had, stay libc's; which allocator owns a block
//! is told by its page (`small_pages`), never by its size.

const std = @import("std");
const c = @import("lua.zig").c;

const class_bytes = [_]usize{ 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512 };
/// The largest block served here; larger ones are libc's.
pub const small_bytes_max: usize = class_bytes[class_bytes.len - 1];
/// Every class is a multiple of 8 bytes, which is also every block's
/// alignment (Lua's LUAI_MAXALIGN on wasm32: lua_Number, lua_Integer,
/// pointers), and a free block holds the address of the next one.
const granule_bytes: usize = 8;
const page_bytes: usize = 64 * 1024;
/// Pages of wasm32's whole 4 GiB address space.
const pages_max: usize = 1 << 16;

/// The class of a block of `8 * i` bytes (rounded up).
const class_of_granules: [small_bytes_max / granule_bytes + 1]u8 = blk: {
    var table: [small_bytes_max / granule_bytes + 1]u8 = undefined;
    var class: usize = 0;
    for (&table, 0..) |*entry, granules| {
        while (class_bytes[class] < granules * granule_bytes) class += 1;
        entry.* = class;
    }
    break :blk table;
};

comptime {
    for (class_bytes, 0..) |bytes, i| {
        std.debug.assert(bytes % granule_bytes == 0);
        std.debug.assert(bytes >= @sizeOf(usize));
        if (i > 0) std.debug.assert(bytes > class_bytes[i - 1]);
    }
}

/// The first free block of each class (0: none).
var free_heads: [class_bytes.len]usize = @splat(0);
/// The unused rest of the page being carved.
var carve_next: usize = 0;
var carve_end: usize = 0;
/// A bit per page of the address space: set for the pages carved here.
var small_pages: [pages_max / 32]u32 = @splat(0);

fn classOf(bytes: usize) usize {
    std.debug.assert(bytes > 0);
    std.debug.assert(bytes <= small_bytes_max);
    return class_of_granules[(bytes + granule_bytes - 1) / granule_bytes];
}

fn isSmall(ptr: *anyopaque) bool {
    const page = @intFromPtr(ptr) / page_bytes;
    return small_pages[page / 32] & (@as(u32, 1) << @intCast(page % 32)) != 0;
}

fn push(class: usize, addr: usize) void {
    std.debug.assert(addr % granule_bytes == 0);
    @as(*usize, @ptrFromInt(addr)).* = free_heads[class];
    free_heads[class] = addr;
}

/// A block from the free list of its class, else carved.
fn allocSmall(bytes: usize) ?*anyopaque {
    const class = classOf(bytes);
    const head = free_heads[class];
    if (head == 0) return carve(class);
    free_heads[class] = @as(*usize, @ptrFromInt(head)).*;
    return @ptrFromInt(head);
}

/// Kept out of allocSmall, so that the common case stays a few loads: a
/// page that cannot hold the block leaves its rest on the free list of the
/// largest class it holds, and a new page is taken.
noinline fn carve(class: usize) ?*anyopaque {
    const size = class_bytes[class];
    if (carve_end - carve_next < size) {
        var rest = class;
        while (rest > 0 and class_bytes[rest - 1] > carve_end - carve_next) rest -= 1;
        if (rest > 0) push(rest - 1, carve_next);
        const first = @wasmMemoryGrow(0, 1);
        if (first < 0) return null;
        const page: usize = @intCast(first);
        small_pages[page / 32] |= @as(u32, 1) << @intCast(page % 32);
        carve_next = page * page_bytes;
        carve_end = carve_next + page_bytes;
    }
    const addr = carve_next;
    carve_next += size;
    return @ptrFromInt(addr);
}

fn move(ptr: *anyopaque, old_bytes: usize, block: *anyopaque, new_bytes: usize) void {
    const n = @min(old_bytes, new_bytes);
    @memcpy(@as([*]u8, @ptrCast(block))[0..n], @as([*]const u8, @ptrCast(ptr))[0..n]);
}

/// lua_Alloc's three cases, for a block of `bytes` > 0 (`bytes` is always
/// the size Lua last asked the block for).
pub fn alloc(bytes: usize) ?*anyopaque {
    std.debug.assert(bytes > 0);
    return if (bytes <= small_bytes_max) allocSmall(bytes) else c.malloc(bytes);
}

pub fn free(ptr: *anyopaque, bytes: usize) void {
    if (isSmall(ptr)) push(classOf(bytes), @intFromPtr(ptr)) else c.free(ptr);
}

/// Like lua_Alloc, a shrink never fails.
pub fn resize(ptr: *anyopaque, old_bytes: usize, new_bytes: usize) ?*anyopaque {
    std.debug.assert(new_bytes > 0);
    if (isSmall(ptr)) {
        if (new_bytes <= small_bytes_max and classOf(new_bytes) == classOf(old_bytes)) return ptr;
        // A shrink that finds no new block keeps the old one: it is at
        // least as large as any block of the smaller class.
        const block = alloc(new_bytes) orelse return if (new_bytes < old_bytes) ptr else null;
        move(ptr, old_bytes, block, new_bytes);
        push(classOf(old_bytes), @intFromPtr(ptr));
        return block;
    }
    if (new_bytes <= small_bytes_max) {
        if (allocSmall(new_bytes)) |block| {
            move(ptr, old_bytes, block, new_bytes);
            c.free(ptr);
            return block;
        }
    }
    return c.realloc(ptr, new_bytes);
}
