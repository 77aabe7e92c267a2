//! The sandbox around the Lua state (ABI §8): which libraries a script sees,
//! the instruction budget, and the restore that gives every eval the fresh
//! global environment `init` left.

const std = @import("std");
const lua = @import("lua.zig");
const ext_table = @import("ext_table.zig");
const err = @import("error.zig");
const output = @import("output.zig");
const alloc = @import("alloc.zig");
const embed = @import("embed.zig");
const c = lua.c;

pub const instructions_max_default: u64 = 1_000_000_000;
/// Instructions the VM runs between two visits to the budget's hook.
pub const instructions_slice_max: u32 = 1 << 20;

pub var instructions_max: u64 = instructions_max_default;
/// Instructions of the slices already charged.
pub var instructions_used: u64 = 0;
pub var instructions_exhausted = false;
/// The current slice's size; the VM counts `wc_budget_slice` down from it.
var slice_granted: u32 = 0;
export var wc_budget_slice: c_int = 0;

/// ABI §3: a fixed seed makes every eval draw the same numbers; otherwise the
/// generator, seeded once by the host, runs on from eval to eval.
pub var random_seed: i64 = 0;
pub var random_seed_fixed = false;
var memory_warned = false;

var key_pristine: u8 = 0;
var key_randomseed: u8 = 0;

/// Opens the sandbox's libraries into a new state and records the pristine
/// environment that every eval starts from.
pub fn open(L: *lua.State) void {
    const libs = [_]struct { name: [*:0]const u8, open: lua.CFn }{
        .{ .name = "_G", .open = c.luaopen_base },
        .{ .name = "package", .open = c.luaopen_sandbox_package },
        .{ .name = "coroutine", .open = c.luaopen_coroutine },
        .{ .name = "table", .open = c.luaopen_table },
        .{ .name = "string", .open = c.luaopen_string },
        .{ .name = "math", .open = c.luaopen_math },
        .{ .name = "utf8", .open = c.luaopen_utf8 },
        .{ .name = "os", .open = c.luaopen_sandbox_os },
        .{ .name = "io", .open = c.luaopen_sandbox_io },
        .{ .name = "ext_table", .open = ext_table.open },
    };
    for (libs) |lib| {
        c.luaL_requiref(L, lib.name, lib.open, 1);
        lua.pop(L, 1);
    }
    lua.pushGlobalTable(L);
    const g = c.lua_gettop(L);
    inline for (.{ "dofile", "loadfile" }) |name| {
        c.lua_pushnil(L);
        c.lua_setfield(L, g, name);
    }
    wrapGlobal(L, g, "setmetatable", setMetatable);
    inline for (.{ .{ "next", ext_table.next }, .{ "rawget", ext_table.rawget }, .{ "rawset", ext_table.rawset }, .{ "rawlen", ext_table.rawlen } }) |f| {
        lua.pushFn(L, f[1]);
        c.lua_setfield(L, g, f[0]);
    }

    _ = c.lua_getfield(L, g, "string");
    c.lua_pushnil(L);
    c.lua_setfield(L, -2, "dump");
    lua.pop(L, 1);

    _ = c.lua_getfield(L, g, "math");
    _ = c.lua_getfield(L, -1, "randomseed");
    c.lua_rawsetp(L, lua.REGISTRYINDEX, &key_randomseed);
    lua.pop(L, 1);
    seed(L);

    lua.pop(L, 1);
    embed.install(L);
    recordPristine(L);
}

fn wrapGlobal(L: *lua.State, g: c_int, comptime name: [*:0]const u8, f: lua.CFn) void {
    _ = c.lua_getfield(L, g, name);
    c.lua_pushcclosure(L, f, 1);
    c.lua_setfield(L, g, name);
}

// ---------------------------------------------------------------- pristine environment

/// The tables a script can change and that must not outlive its eval.
fn pushMutableTables(L: *lua.State) c_int {
    lua.pushGlobalTable(L);
    const g = c.lua_gettop(L);
    inline for (.{ "string", "table", "math", "utf8", "coroutine", "os", "io", "ext_table" }) |name| {
        _ = c.lua_getfield(L, g, name);
    }
    // require's tables (ABI §12), and those holding host functions (§11).
    _ = c.lua_getfield(L, g, "package");
    const package = c.lua_gettop(L);
    inline for (.{ "loaded", "preload", "searchers" }) |name| {
        _ = c.lua_getfield(L, package, name);
    }
    _ = embed.pushTables(L);
    _ = c.lua_pushstring(L, "");
    _ = c.lua_getmetatable(L, -1);
    c.lua_replace(L, -2);
    // The io library's file handle metatable and its methods (lio_sandbox.c).
    _ = c.lua_getfield(L, lua.REGISTRYINDEX, "FILE*");
    _ = c.lua_getfield(L, -1, "__index");
    return c.lua_gettop(L) - g + 1;
}

/// The number of entries of a pristine copy, kept under a key no script sees.
fn copyLength(L: *lua.State, copy: c_int) i64 {
    _ = c.lua_rawgetp(L, copy, &key_pristine);
    defer lua.pop(L, 1);
    return c.lua_tointegerx(L, -1, null);
}

fn recordPristine(L: *lua.State) void {
    c.lua_createtable(L, 0, 10);
    const pristine = c.lua_gettop(L);
    const n = pushMutableTables(L);
    var i: c_int = 0;
    while (i < n) : (i += 1) {
        const t = pristine + 1 + i;
        c.lua_pushvalue(L, t);
        c.lua_createtable(L, 0, 32);
        var count: i64 = 0;
        c.lua_pushnil(L);
        while (c.lua_next(L, t) != 0) {
            c.lua_pushvalue(L, -2);
            c.lua_rotate(L, -2, 1);
            c.lua_rawset(L, -4);
            count += 1;
        }
        c.lua_pushinteger(L, count);
        c.lua_rawsetp(L, -2, &key_pristine);
        c.lua_rawset(L, pristine);
    }
    lua.pop(L, n);
    c.lua_rawsetp(L, lua.REGISTRYINDEX, &key_pristine);
}

/// Gives the state back the environment `init` recorded, so nothing of one
/// eval (globals, changed libraries, metatables) reaches the next. One pass
/// puts back what changed; a second, rarely needed, what was deleted.
pub fn restore(L: *lua.State) void {
    _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_pristine);
    const pristine = c.lua_gettop(L);
    c.lua_pushnil(L);
    while (c.lua_next(L, pristine) != 0) {
        const copy = c.lua_gettop(L);
        const t = copy - 1;
        const kept = c.wc_restore_fields(L, t, copy);
        if (kept != copyLength(L, copy)) {
            c.lua_pushnil(L);
            while (c.lua_next(L, copy) != 0) {
                if (c.lua_type(L, -2) == lua.TLIGHTUSERDATA) {
                    lua.pop(L, 1);
                    continue;
                }
                c.lua_pushvalue(L, -2);
                c.lua_rotate(L, -2, 1);
                c.lua_rawset(L, t);
            }
        }
        if (c.lua_getmetatable(L, t) != 0) {
            lua.pop(L, 1);
            c.lua_pushnil(L);
            _ = c.lua_setmetatable(L, t);
        }
        lua.pop(L, 1);
    }
    lua.pop(L, 1);

    c.wc_io_restore(L);

    // `Memory` is not a global but a deprecated way to reach `_home`.
    lua.pushGlobalTable(L);
    c.lua_createtable(L, 0, 1);
    lua.pushFn(L, memoryAlias);
    c.lua_setfield(L, -2, "__index");
    _ = c.lua_setmetatable(L, -2);
    lua.pop(L, 1);

    // Restarting resets the GC debt, which forces a step: only when stopped.
    if (c.lua_gc(L, c.LUA_GCISRUNNING) == 0) _ = c.lua_gc(L, c.LUA_GCRESTART);
    _ = c.lua_gc(L, c.LUA_GCINC, @as(c_int, 0), @as(c_int, 0), @as(c_int, 0));
    if (random_seed_fixed) seed(L);
}

/// What every eval starts with, kept globals or not: a whole budget, no
/// budget hook, the `Memory` notice not yet written.
pub fn resetEval(L: *lua.State) void {
    memory_warned = false;
    instructions_used = 0;
    instructions_exhausted = false;
    grantSlice();
    // The last eval may have ended with the budget's hook set.
    c.lua_sethook(L, null, 0, 0);
}

fn memoryAlias(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    const k = lua.stringAt(L, 2) orelse return 0;
    if (!std.mem.eql(u8, k, "Memory")) return 0;
    if (!memory_warned) {
        memory_warned = true;
        output.writeError("wasm-compute: _G.Memory is deprecated; use _home\n");
    }
    _ = c.lua_getfield(L, 1, "_home");
    return 1;
}

// ---------------------------------------------------------------- instruction budget

/// Instructions this eval used: the charged slices plus what the VM has
/// counted of the current one (past its end, while the hook is pending).
pub fn instructionsUsed() u64 {
    if (instructions_exhausted) return instructions_max;
    return @min(instructions_max, instructionsCounted());
}

/// Marks the budget spent when the VM counted past it.
pub fn overBudget() bool {
    if (!instructions_exhausted and instructionsCounted() > instructions_max) instructions_exhausted = true;
    return instructions_exhausted;
}

fn instructionsCounted() u64 {
    const counted: i64 = @as(i64, slice_granted) - wc_budget_slice;
    std.debug.assert(counted >= 0);
    return instructions_used + @as(u64, @intCast(counted));
}

fn grantSlice() void {
    std.debug.assert(instructions_used <= instructions_max);
    slice_granted = @intCast(@min(instructions_slice_max, instructions_max - instructions_used));
    wc_budget_slice = @intCast(slice_granted);
}

/// Called by the VM (src/lvm_budget.h) on every instruction past the end of
/// a slice until the hook below runs, which is at the next jump, loop, call
/// or return of `L`. Once the budget is spent it keeps firing, so every
/// thread that runs an instruction gets the hook.
export fn wc_budget_signal(Lopt: ?*lua.State) void {
    const L = lua.state(Lopt);
    if (instructions_exhausted) wc_budget_slice = 0;
    c.lua_sethook(L, budgetHook, c.LUA_MASKCOUNT, 1);
}

fn budgetHook(Lopt: ?*lua.State, ar: ?*c.lua_Debug) callconv(.c) void {
    _ = ar;
    const L = lua.state(Lopt);
    if (!instructions_exhausted) {
        instructions_used = instructionsCounted();
        if (instructions_used <= instructions_max) {
            grantSlice();
            c.lua_sethook(L, null, 0, 0);
            return;
        }
        instructions_exhausted = true;
        wc_budget_slice = 0;
    }
    // The hook stays, with a count of 1: every instruction of this thread
    // raises again, so no pcall, xpcall or coroutine can swallow the error.
    // Level 0: inside a hook that is the running Lua function, not a caller.
    c.luaL_where(L, 0);
    _ = c.lua_pushstring(L, err.instruction_limit_message);
    c.lua_concat(L, 2);
    _ = c.wc_hook_error(L);
}

// ---------------------------------------------------------------- replaced functions

/// Text chunks only: a binary chunk could break the VM's invariants. With
/// a mode that allows text, "t"; with one that does not ("b"), a text chunk
/// gets Lua's own refusal and a binary one ours.
fn loadBuffer(L: *lua.State, s: [*]const u8, l: usize, name: [*:0]const u8, mode: ?[*:0]const u8) callconv(.c) c_int {
    const m: [*:0]const u8 = mode orelse "bt";
    if (std.mem.indexOfScalar(u8, std.mem.span(m), 't') != null) return c.luaL_loadbufferx(L, s, l, name, "t");
    if (l > 0 and s[0] == c.LUA_SIGNATURE[0]) {
        _ = c.lua_pushstring(L, "attempt to load a binary chunk (binary chunks are not allowed in the sandbox)");
        return c.LUA_ERRSYNTAX;
    }
    return c.luaL_loadbufferx(L, s, l, name, m);
}

fn loadReader(L: *lua.State, reader: c.lua_Reader, data: ?*anyopaque, name: [*:0]const u8, mode: ?[*:0]const u8) callconv(.c) c_int {
    const m: [*:0]const u8 = mode orelse "bt";
    const text = std.mem.indexOfScalar(u8, std.mem.span(m), 't') != null;
    return c.lua_load(L, reader, data, name, if (text) "t" else "");
}

/// lauxlib's buffer allocations: on a refusal, collect the garbage (of this
/// or earlier evals) and try once more, as Lua does for its own objects.
fn boxAlloc(ud: ?*anyopaque, ptr: ?*anyopaque, osize: usize, nsize: usize) callconv(.c) ?*anyopaque {
    if (alloc.luaAlloc(null, ptr, osize, nsize)) |block| return block;
    if (nsize == 0) return null;
    const L: *lua.State = @ptrCast(@alignCast(ud.?));
    _ = c.lua_gc(L, c.LUA_GCCOLLECT);
    return alloc.luaAlloc(null, ptr, osize, nsize);
}

/// `setmetatable` without finalizers: Lua runs `__gc` with hooks off, so no
/// instruction budget could stop one, and after its eval it would have no
/// world to act on. A metatable with `__gc` (looked up raw, as Lua does) is
/// refused.
fn setMetatable(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    const t = c.lua_type(L, 2);
    c.luaL_checktype(L, 1, lua.TTABLE);
    if (t != lua.TNIL and t != lua.TTABLE) _ = c.luaL_typeerror(L, 2, "nil or table");
    if (t == lua.TTABLE) {
        _ = c.lua_pushstring(L, "__gc");
        if (c.lua_rawget(L, 2) != lua.TNIL) lua.raise(L, "__gc finalizers are not available in the sandbox", .{});
        lua.pop(L, 1);
    }
    c.lua_settop(L, 2);
    c.lua_pushvalue(L, lua.upvalueIndex(1));
    c.lua_rotate(L, 1, 1);
    c.lua_callk(L, 2, 1, 0, null);
    return 1;
}

fn seed(L: *lua.State) void {
    _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_randomseed);
    c.lua_pushinteger(L, random_seed);
    c.lua_callk(L, 1, 0, 0, null);
}

// ---------------------------------------------------------------- files

/// What lbaselib.c calls instead of luaL_loadfilex (see build.zig); never
/// reachable, since dofile and loadfile are removed.
fn wc_no_files(L: *lua.State) callconv(.c) c_int {
    _ = c.lua_pushstring(L, "no files in the sandbox");
    return c.LUA_ERRFILE;
}

// Called from C (sandbox.h), not by hosts: hidden from the exports.
comptime {
    @export(&wc_no_files, .{ .name = "wc_no_files", .visibility = .hidden });
    @export(&loadBuffer, .{ .name = "wc_loadbufferx", .visibility = .hidden });
    @export(&loadReader, .{ .name = "wc_load", .visibility = .hidden });
    @export(&boxAlloc, .{ .name = "wc_box_alloc", .visibility = .hidden });
}
