//! The exports of lua.wasm (ABI §2): thin shims over the global state that
//! turn every outcome into one status code of the closed set in error.zig.

const std = @import("std");
const lua = @import("lua.zig");
const alloc = @import("alloc.zig");
const output = @import("output.zig");
const err = @import("error.zig");
const result = @import("result.zig");
const sandbox = @import("sandbox.zig");
const ext_table = @import("ext_table.zig");
const request = @import("request.zig");
const embed = @import("embed.zig");
const c = lua.c;
const Status = err.Status;

comptime {
    _ = @import("serializer.zig");
    _ = @import("numfmt");
}

pub const code_bytes_max_default: u32 = 1024 * 1024;
pub const input_bytes_max_default: u32 = 1024 * 1024;
/// The buffer before `init`, and its room beyond the code and the input for
/// the rest of a request: name, arguments, the record's own fields (ABI §2).
const buffer_bytes_min = 64 * 1024;

var state: ?*lua.State = null;
var initial_buffer: [buffer_bytes_min]u8 align(16) = undefined;
var buffer: []align(16) u8 = &initial_buffer;
var limits: request.Limits = .{ .code_bytes_max = code_bytes_max_default, .input_bytes_max = input_bytes_max_default };
var gc_count: u32 = 0;

/// What `evalMain` needs and reports; it runs inside a protected call.
const Eval = struct {
    request: request.Request = .{},
    status: Status = .success,
    instructions: u64 = 0,
};
var current: Eval = .{};

export fn get_buffer_ptr() [*]u8 {
    return buffer.ptr;
}

export fn get_buffer_size() u32 {
    return @intCast(buffer.len);
}

/// ABI §3: limits are read from the start of the buffer; zero means default.
export fn init() i32 {
    if (state != null) return @intFromEnum(Status.success);
    const record = buffer[0..40];
    const memory = std.mem.readInt(u64, record[0..8], .little);
    const instructions = std.mem.readInt(u64, record[8..16], .little);
    const out = std.mem.readInt(u32, record[16..20], .little);
    const code = std.mem.readInt(u32, record[20..24], .little);
    sandbox.random_seed = std.mem.readInt(i64, record[24..32], .little);
    sandbox.random_seed_fixed = std.mem.readInt(u32, record[32..36], .little) & 1 != 0;
    const input = std.mem.readInt(u32, record[36..40], .little);
    // The functions record follows the limits (ABI §3.1).
    embed.names = embed.parseNames(buffer[40..]) orelse return @intFromEnum(Status.null_state);
    alloc.memory_bytes_max = if (memory == 0) alloc.memory_bytes_max_default else @intCast(@min(memory, std.math.maxInt(u32)));
    sandbox.instructions_max = if (instructions == 0) sandbox.instructions_max_default else instructions;
    output.output_bytes_max = if (out == 0) output.output_bytes_max_default else out;
    limits.code_bytes_max = if (code == 0) code_bytes_max_default else code;
    limits.input_bytes_max = if (input == 0) input_bytes_max_default else input;

    // Any request the limits allow fits (ABI §2); in 64 bits, so that limits
    // too large for the 32-bit address space fail here, not by wrapping.
    const size = @as(u64, limits.code_bytes_max) + limits.input_bytes_max + buffer_bytes_min;
    if (size > std.math.maxInt(u32)) return @intFromEnum(Status.null_state);
    if (size > buffer.len) {
        buffer = std.heap.c_allocator.alignedAlloc(u8, .@"16", @intCast(size)) catch return @intFromEnum(Status.null_state);
    }
    const L = c.lua_newstate(alloc.luaAlloc, null) orelse return @intFromEnum(Status.null_state);
    c.lua_setwarnf(L, output.warnf, null);
    lua.pushFn(L, openProtected);
    if (c.lua_pcallk(L, 0, 0, 0, 0, null) != lua.OK) {
        c.lua_close(L);
        return @intFromEnum(Status.null_state);
    }
    state = L;
    return @intFromEnum(Status.success);
}

fn openProtected(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    sandbox.open(L);
    _ = restoreProtected(L);
    return 0;
}

export fn compute(request_ptr: [*]const u8, request_len: u32) i32 {
    output.reset();
    result.reset();
    current = .{};
    const L = state orelse return finish(.null_state, "init was not called", "");
    const start = @intFromPtr(request_ptr);
    const base = @intFromPtr(buffer.ptr);
    if (start < base or start - base > buffer.len or request_len > buffer.len - (start - base))
        return finish(.invalid_size, "the request record is outside the buffer", "");
    var problem: request.Problem = undefined;
    const req = request.parse(request_ptr[0..request_len], limits, &problem) orelse {
        var text: [128]u8 = undefined;
        return finish(.invalid_size, problem.message(limits, &text), "");
    };

    alloc.eval_peak = alloc.used;
    current = .{ .request = req };
    embed.beginEval(req.modules);
    defer embed.endEval();
    c.wc_io_begin(req.stdin.ptr, req.stdin.len);
    c.lua_settop(L, 0);
    lua.pushFn(L, evalMain);
    // Two arguments it does not read, as lua.c calls pmain with argc and argv:
    // the script's stack starts where lua's does, so it overflows at the same depth.
    c.lua_pushnil(L);
    c.lua_pushnil(L);
    const outer = c.lua_pcallk(L, 2, 2, 0, 0, null);
    c.wc_io_flush();
    var message: []const u8 = "";
    var traceback: []const u8 = "";
    if (outer != lua.OK) {
        // The chunk ran, then committing `_home` or encoding the results failed.
        if (current.status == .success)
            current.status = if (ext_table.store_failed) .store_failed else if (outer == lua.ERRMEM) .memory_limit else .runtime_failed;
        message = lua.stringAt(L, -1) orelse err.memory_message;
    } else if (current.status != .success) {
        message = lua.stringAt(L, -2) orelse "";
        traceback = lua.stringAt(L, -1) orelse "";
    }
    if (sandbox.instructions_exhausted) {
        current.status = .instruction_limit;
        if (std.mem.indexOf(u8, message, err.instruction_limit_message) == null) message = err.instruction_limit_message;
    }
    if (current.status == .memory_limit) message = err.memory_message;
    if (current.status != .success) result.reset();
    current.instructions = sandbox.instructionsUsed();
    const code = finish(current.status, message, traceback);
    endEval(L, req.keep_globals);
    return code;
}

/// Runs one eval under the outer protected call. When the chunk fails it
/// returns [message, traceback] and sets `current.status`.
pub fn evalMain(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    const req = current.request;
    ext_table.beginEval(L);
    c.lua_setglobal(L, "_home");
    const argc = pushArgTable(L, req);
    c.lua_setglobal(L, "arg");

    const code = request.skipComment(req.code);
    _ = c.lua_pushstring(L, "@");
    lua.pushSlice(L, req.chunkName());
    c.lua_concat(L, 2); // the chunk name, kept on the stack while it loads
    const loaded = c.luaL_loadbufferx(L, code.ptr, code.len, c.lua_tolstring(L, -1, null), "t");
    c.lua_rotate(L, -2, 1);
    lua.pop(L, 1); // the name
    if (loaded != lua.OK) {
        current.status = if (loaded == lua.ERRMEM) .memory_limit else .compile_failed;
        _ = c.lua_pushstring(L, "");
        return 2;
    }
    lua.pushFn(L, err.handler);
    c.lua_rotate(L, -2, 1);
    const handler = c.lua_gettop(L) - 1;
    // The chunk's `...`, as lua.c's pushargs: the arguments again.
    c.luaL_checkstack(L, argc + 3, "too many arguments to script");
    var it = req.args.iterator();
    while (it.next()) |arg| lua.pushSlice(L, arg);
    const ran = c.lua_pcallk(L, argc, c.LUA_MULTRET, handler, 0, null);
    // Whatever the outcome: its finalizers run now, its hooks end.
    sandbox.endChunk(L);
    if (ran != lua.OK) {
        current.status = switch (ran) {
            lua.ERRMEM => .memory_limit,
            else => .runtime_failed,
        };
        err.pushTraceback(L);
        return 2;
    }
    // The chunk's last instructions may pass the budget with no jump, call
    // or return left for the VM to reach the budget's hook.
    if (sandbox.overBudget()) lua.raise(L, err.instruction_limit_message, .{});
    // The values are read as the chunk left them, before the writes are
    // sent: a table it removed from `_home` is still readable here.
    result.encodeValues(L, handler + 1) catch lua.raise(L, err.memory_message, .{});
    ext_table.commit(L);
    return 0;
}

/// Pushes the table `lua f.lua a b` makes its global `arg` (lua.c's
/// createargtable): arg[-1] = "lua", arg[0] = the name, then the arguments.
/// Returns how many arguments there are.
fn pushArgTable(L: *lua.State, req: request.Request) c_int {
    const argc: c_int = @intCast(req.args.count);
    c.lua_createtable(L, argc, 2);
    _ = c.lua_pushstring(L, "lua");
    c.lua_rawseti(L, -2, -1);
    lua.pushSlice(L, req.chunkName());
    c.lua_rawseti(L, -2, 0);
    var it = req.args.iterator();
    var i: c.lua_Integer = 1;
    while (it.next()) |arg| : (i += 1) {
        lua.pushSlice(L, arg);
        c.lua_rawseti(L, -2, i);
    }
    return argc;
}

fn finish(status: Status, message: []const u8, traceback: []const u8) i32 {
    const final = blk: {
        result.build(output.stdout.text(), output.stderr.text(), message, traceback, .{
            .instructions = current.instructions,
            .heap_used = @intCast(alloc.used),
            .heap_peak = @intCast(alloc.eval_peak),
        }) catch break :blk Status.buffer_overflow;
        break :blk status;
    };
    const items = result.record.list.items;
    std.mem.writeInt(u32, buffer[0..4], @intCast(@intFromPtr(items.ptr)), .little);
    std.mem.writeInt(u32, buffer[4..8], @intCast(items.len), .little);
    return @intFromEnum(final);
}

/// Puts the state back to what `init` left, so the next eval starts fresh;
/// after a `keep_globals` eval only its budget and per-eval state (ABI §1).
fn endEval(L: *lua.State, keep_globals: bool) void {
    c.lua_settop(L, 0);
    lua.pushFn(L, if (keep_globals) resetProtected else restoreProtected);
    if (c.lua_pcallk(L, 0, 0, 0, 0, null) != lua.OK) c.lua_settop(L, 0);
    c.lua_settop(L, 0);
}

fn restoreProtected(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    sandbox.restore(L);
    output.resetWarnings();
    sandbox.resetEval(L);
    return 0;
}

fn resetProtected(Lopt: ?*lua.State) callconv(.c) c_int {
    sandbox.resetEval(lua.state(Lopt));
    return 0;
}

const MemoryStats = extern struct {
    heap_used: u32,
    heap_total: u32,
    heap_peak: u32,
    gc_count: u32,
};

export fn get_memory_stats(stats: *align(1) MemoryStats) void {
    stats.* = .{
        .heap_used = @intCast(alloc.used),
        .heap_total = @intCast(alloc.memory_bytes_max),
        .heap_peak = @intCast(alloc.peak),
        .gc_count = gc_count,
    };
}

export fn run_gc() void {
    const L = state orelse return;
    _ = c.lua_gc(L, c.LUA_GCCOLLECT);
    gc_count += 1;
}
