//! The sandbox around the Lua state (ABI §8): which libraries a script sees,
//! the instruction budget, and the restore that gives every eval the fresh
//! global environment `init` left.

const std = @import("std");
const lua = @import("lua.zig");
const ext_table = @import("ext_table.zig");
const err = @import("error.zig");
const output = @import("output.zig");
const alloc = @import("alloc.zig");
const main = @import("main.zig");
const embed = @import("embed.zig");
const deadline = @import("deadline.zig");
const c = lua.c;

pub const instructions_max_default: u64 = 1_000_000_000;
/// Instructions the VM runs between two visits to the budget's hook.
pub const instructions_slice_max: u32 = 1 << 20;

pub var instructions_max: u64 = instructions_max_default;
/// Instructions of the slices already charged.
pub var instructions_used: u64 = 0;
/// The budget is spent (src/lhook.c reads it as wc_budget_exhausted).
pub var instructions_exhausted = false;
/// The current slice's size; the VM counts `wc_budget_slice` down from it.
var slice_granted: u32 = 0;
export var wc_budget_slice: c_int = 0;
/// Slices charged in this eval; after the ones numbered by a power of two,
/// up to this, the VM starts its running frame over (src/lvm_budget.h).
var slices_charged: u32 = 0;
const reenter_slice_last: u32 = 64;

/// ABI §3: a fixed seed makes every eval draw the same numbers; otherwise the
/// generator, seeded once by the host, runs on from eval to eval.
pub var random_seed: i64 = 0;
pub var random_seed_fixed = false;
var memory_warned = false;

var key_pristine: u8 = 0;
var key_randomseed: u8 = 0;
var key_string_metatable: u8 = 0;
/// `_G`'s metatable, which makes `Memory` an alias of `_home`: one table, kept
/// from eval to eval and restored with the library tables.
var key_memory_metatable: u8 = 0;
/// The strings `string.dump` returned in this eval: the binary chunks `load` accepts.
var key_dumped: u8 = 0;

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
        .{ .name = "debug", .open = c.luaopen_sandbox_debug },
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
    inline for (.{ .{ "next", ext_table.next }, .{ "rawget", ext_table.rawget }, .{ "rawset", ext_table.rawset }, .{ "rawlen", ext_table.rawlen } }) |f| {
        lua.pushFn(L, f[1]);
        c.lua_setfield(L, g, f[0]);
    }

    _ = c.lua_getfield(L, g, "string");
    _ = c.lua_getfield(L, -1, "dump");
    c.lua_pushcclosure(L, dump, 1);
    c.lua_setfield(L, -2, "dump");
    lua.pop(L, 1);

    _ = c.lua_pushstring(L, "");
    _ = c.lua_getmetatable(L, -1);
    c.lua_rawsetp(L, lua.REGISTRYINDEX, &key_string_metatable);
    lua.pop(L, 1);

    _ = c.lua_getfield(L, g, "math");
    _ = c.lua_getfield(L, -1, "randomseed");
    c.lua_rawsetp(L, lua.REGISTRYINDEX, &key_randomseed);
    lua.pop(L, 1);
    seed(L);

    // `Memory` is not a global but a deprecated way to reach `_home`.
    c.lua_createtable(L, 0, 1);
    lua.pushFn(L, memoryAlias);
    c.lua_setfield(L, -2, "__index");
    c.lua_pushvalue(L, -1);
    c.lua_rawsetp(L, lua.REGISTRYINDEX, &key_memory_metatable);
    _ = c.lua_setmetatable(L, g);

    lua.pop(L, 1);
    embed.install(L);
    recordPristine(L);
}

// ---------------------------------------------------------------- pristine environment

/// The tables a script can change and that must not outlive its eval.
fn pushMutableTables(L: *lua.State) c_int {
    lua.pushGlobalTable(L);
    const g = c.lua_gettop(L);
    inline for (.{ "string", "table", "math", "utf8", "coroutine", "os", "io", "debug", "ext_table" }) |name| {
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
    _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_memory_metatable);
    return c.lua_gettop(L) - g + 1;
}

/// The number of entries of a pristine copy, kept under a key no script sees.
fn copyLength(L: *lua.State, copy: c_int) i64 {
    _ = c.lua_rawgetp(L, copy, &key_pristine);
    defer lua.pop(L, 1);
    return c.lua_tointegerx(L, -1, null);
}

/// The record of the pristine environment is a sequence, three slots a table:
/// the table, its pristine copy, and its record of the table's slots after the
/// last restore (src/lrestore.c), false until the first. Read by index, it
/// costs the restore no `lua_next` and no lookup of a key.
const slots_per_table = 3;

fn recordPristine(L: *lua.State) void {
    const first = c.lua_gettop(L) + 1;
    const n = pushMutableTables(L);
    c.lua_createtable(L, n * slots_per_table, 0);
    const pristine = c.lua_gettop(L);
    var i: c_int = 0;
    while (i < n) : (i += 1) {
        const t = first + i;
        const slot: c.lua_Integer = i * slots_per_table;
        c.lua_pushvalue(L, t);
        c.lua_rawseti(L, pristine, slot + 1);
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
        c.lua_rawseti(L, pristine, slot + 2);
        c.lua_pushboolean(L, 0);
        c.lua_rawseti(L, pristine, slot + 3);
    }
    c.lua_rawsetp(L, lua.REGISTRYINDEX, &key_pristine);
    lua.pop(L, n);
}

/// Puts back the fields of the table at `t` from its pristine copy at `copy`,
/// then records the table's slots for the next restore in `pristine[snapshot]`.
fn restoreFields(L: *lua.State, t: c_int, copy: c_int, pristine: c_int, snapshot: c.lua_Integer) void {
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
    _ = c.lua_rawgeti(L, pristine, snapshot);
    if (c.wc_table_snapshot(L, t, -1) != 0) c.lua_rawseti(L, pristine, snapshot);
    lua.pop(L, 1);
}

/// Gives the state back the environment `init` recorded, so nothing of one
/// eval (globals, changed libraries, metatables) reaches the next. One pass
/// puts back what changed; a second, rarely needed, what was deleted.
pub fn restore(L: *lua.State) void {
    lua.pushGlobalTable(L);
    const g = c.lua_gettop(L);
    // Every eval sets these two globals (main.evalMain), which no pristine
    // environment has: emptied first, they leave `_G` as the last restore
    // left it when the script changed nothing else, and its fields need no
    // comparing either.
    c.wc_clear_field(L, g, "_home");
    c.wc_clear_field(L, g, "arg");
    _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_pristine);
    const pristine = c.lua_gettop(L);
    const t = pristine + 1;
    const copy = pristine + 2;
    const slots: c.lua_Integer = @intCast(c.lua_rawlen(L, pristine));
    // A table whose slots hold the bytes they held after the last restore
    // needs nothing: most libraries, in most evals (src/lrestore.c).
    var slot = c.wc_first_changed(L, pristine, g, 0, slots_per_table, slots);
    while (slot < slots) : (slot = c.wc_first_changed(L, pristine, g, slot + slots_per_table, slots_per_table, slots)) {
        _ = c.lua_rawgeti(L, pristine, slot + 1);
        _ = c.lua_rawgeti(L, pristine, slot + 2);
        restoreFields(L, t, copy, pristine, slot + 3);
        c.lua_settop(L, pristine);
    }
    lua.pop(L, 1);

    c.wc_io_restore(L);

    _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_memory_metatable);
    if (c.lua_getmetatable(L, g) == 0 or c.lua_rawequal(L, -1, -2) == 0) {
        c.lua_settop(L, g + 1);
        _ = c.lua_setmetatable(L, g);
    }
    c.lua_settop(L, g - 1);

    restoreTypeMetatables(L);
    forgetDumps(L);
    // The script's hooks: ldblib keeps their functions in the registry.
    c.lua_pushnil(L);
    c.lua_setfield(L, lua.REGISTRYINDEX, "_HOOKKEY");

    // Restarting resets the GC debt, which forces a step: only when stopped.
    if (c.lua_gc(L, c.LUA_GCISRUNNING) == 0) _ = c.lua_gc(L, c.LUA_GCRESTART);
    c.wc_gc_reset(L);
    if (random_seed_fixed) seed(L);
}

/// What every eval starts with, kept globals or not: a whole budget, no
/// budget hook, the `Memory` notice not yet written.
pub fn resetEval(L: *lua.State) void {
    memory_warned = false;
    instructions_used = 0;
    instructions_exhausted = false;
    slices_charged = 0;
    grantSlice();
    deadline.resetEval();
    // The last eval may have ended with a hook set, the budget's or its own.
    c.lua_sethook(L, null, 0, 0);
}

/// `debug.setmetatable` on a value that is not a table lasts for its eval:
/// strings get their pristine metatable back, the other types none.
fn restoreTypeMetatables(L: *lua.State) void {
    _ = c.lua_pushstring(L, "");
    _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_string_metatable);
    _ = c.lua_setmetatable(L, -2);
    lua.pop(L, 1);
    c.lua_pushnil(L);
    c.lua_pushboolean(L, 0);
    c.lua_pushinteger(L, 0);
    lua.pushFn(L, memoryAlias);
    _ = c.lua_pushthread(L);
    c.lua_pushlightuserdata(L, null);
    var i: c_int = 6;
    while (i > 0) : (i -= 1) {
        c.lua_pushnil(L);
        _ = c.lua_setmetatable(L, -1 - i);
    }
    lua.pop(L, 6);
}

/// What the chunk leaves behind ends with it (ABI §8), before its values
/// are encoded and `_home` is committed: the objects still marked for
/// finalization are finalized, so their output and `_home` writes belong to
/// this eval; the script's hooks are removed, since encoding the values calls
/// `next`; the binary chunks `load` accepted are forgotten.
pub fn endChunk(L: *lua.State) void {
    c.wc_finalize_all(L);
    c.wc_hook_set(L, 0, 0);
    forgetDumps(L);
}

fn forgetDumps(L: *lua.State) void {
    c.lua_pushnil(L);
    c.lua_rawsetp(L, lua.REGISTRYINDEX, &key_dumped);
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

/// Charges the slice the VM has counted (src/lhook.c calls it when the
/// slice ran out): 0 and a new slice, or 1 once the budget is spent. Then
/// the VM signals on every instruction, so every thread that runs one gets
/// the budget's hook (ABI §3). Every slice's end asks for the deadline (§7).
fn budgetCharge() callconv(.c) c_int {
    if (!instructions_exhausted) {
        deadline.check();
        instructions_used = instructionsCounted();
        if (instructions_used <= instructions_max) {
            grantSlice();
            slices_charged +|= 1;
            return 0;
        }
        instructions_exhausted = true;
    }
    wc_budget_slice = 0;
    return 1;
}

/// Whether the slice just charged is one after which the VM starts its
/// running frame over in a new call of luaV_execute (src/lvm_budget.h): at
/// most 7 new calls an eval, at slices 1, 2, 4, ... 64, while V8's
/// optimized code for it is likely to be ready.
fn budgetReenterDue() callconv(.c) c_int {
    const n = slices_charged;
    return @intFromBool(n != 0 and n <= reenter_slice_last and n & (n - 1) == 0);
}

/// Raises the limit error from the budget's hook. No pcall, xpcall or
/// coroutine can swallow it: the hook stays, and every instruction raises
/// again. Level 0: inside a hook that is the running Lua function, not a
/// caller.
fn budgetRaise(Lopt: ?*lua.State) callconv(.c) void {
    const L = lua.state(Lopt);
    c.luaL_where(L, 0);
    _ = c.lua_pushstring(L, err.instruction_limit_message);
    c.lua_concat(L, 2);
    _ = c.wc_hook_error(L);
}

// ---------------------------------------------------------------- replaced functions

/// `string.dump`, which also records what it returns: the binary chunks
/// `load` accepts in this eval (ABI §8). A crafted or altered chunk could
/// break the VM's invariants; one Lua dumped itself cannot.
fn dump(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    c.lua_pushvalue(L, lua.upvalueIndex(1));
    c.lua_rotate(L, 1, 1);
    c.lua_callk(L, c.lua_gettop(L) - 1, 1, 0, null);
    if (c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_dumped) != lua.TTABLE) {
        lua.pop(L, 1);
        c.lua_createtable(L, 0, 1);
        c.lua_pushvalue(L, -1);
        c.lua_rawsetp(L, lua.REGISTRYINDEX, &key_dumped);
    }
    c.lua_pushvalue(L, -2);
    c.lua_pushboolean(L, 1);
    c.lua_rawset(L, -3);
    lua.pop(L, 1);
    return 1;
}

/// Whether the undumper may read the string on top of the stack (and pops
/// it): one `string.dump` returned in this eval, or the start of one, which
/// it refuses as truncated, as Lua does, having read only what Lua wrote.
fn wasDumped(L: *lua.State) bool {
    if (c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_dumped) != lua.TTABLE) {
        lua.pop(L, 2);
        return false;
    }
    c.lua_rotate(L, -2, 1);
    const chunk = lua.stringAt(L, -1).?;
    c.lua_pushvalue(L, -1);
    var found = c.lua_rawget(L, -3) != lua.TNIL;
    lua.pop(L, 1);
    c.lua_pushnil(L);
    while (!found and c.lua_next(L, -3) != 0) {
        lua.pop(L, 1);
        found = std.mem.startsWith(u8, lua.stringAt(L, -1).?, chunk);
    }
    lua.pop(L, if (found) 3 else 2);
    return found;
}

const binary_refusal = "attempt to load a binary chunk that string.dump did not return in this eval";

fn allowsBinary(mode: ?[*:0]const u8) bool {
    const m = mode orelse return true;
    return std.mem.indexOfScalar(u8, std.mem.span(m), 'b') != null;
}

/// `load` of a string: a binary chunk only when `string.dump` made it.
fn loadBuffer(L: *lua.State, s: [*]const u8, l: usize, name: [*:0]const u8, mode: ?[*:0]const u8) callconv(.c) c_int {
    if (l > 0 and s[0] == c.LUA_SIGNATURE[0] and allowsBinary(mode)) {
        lua.pushSlice(L, s[0..l]);
        if (!wasDumped(L)) {
            _ = c.lua_pushstring(L, binary_refusal);
            return c.LUA_ERRSYNTAX;
        }
    }
    // The lexer scans it, a long comment without allocating (ABI §7).
    deadline.spendBytes(l);
    return c.luaL_loadbufferx(L, s, l, name, mode);
}

/// The reader `load` of a function goes through: text passes piece by
/// piece; a binary chunk is read whole first and refused unless
/// `string.dump` made it, so the undumper only ever sees such a chunk. It
/// runs inside lua_load's protected parser, so the reader's errors are
/// load's, as in Lua.
const Reader = struct {
    reader: c.lua_Reader,
    data: ?*anyopaque,
    binary: bool,
    started: bool = false,
    done: bool = false,

    fn read(Lopt: ?*lua.State, ud: ?*anyopaque, size: [*c]usize) callconv(.c) [*c]const u8 {
        const L = lua.state(Lopt);
        const self: *Reader = @ptrCast(@alignCast(ud.?));
        if (self.started) {
            if (self.done) {
                size.* = 0;
                return null;
            }
            const piece = self.reader.?(L, self.data, size);
            // The lexer scans it, a long comment without allocating (ABI §7).
            deadline.spendBytes(size.*);
            return piece;
        }
        self.started = true;
        const first = self.reader.?(L, self.data, size);
        deadline.spendBytes(size.*);
        if (!self.binary or first == null or size.* == 0 or first[0] != c.LUA_SIGNATURE[0]) return first;
        return self.readWhole(L, first[0..size.*], size);
    }

    fn readWhole(self: *Reader, L: *lua.State, first: []const u8, size: [*c]usize) [*c]const u8 {
        lua.ensureStack(L, 8);
        var b: c.luaL_Buffer = undefined;
        c.luaL_buffinit(L, &b);
        c.luaL_addlstring(&b, first.ptr, first.len);
        while (true) {
            var n: usize = 0;
            const piece = self.reader.?(L, self.data, &n);
            if (piece == null or n == 0) break;
            c.luaL_addlstring(&b, piece, n);
        }
        c.luaL_pushresult(&b);
        c.lua_pushvalue(L, -1);
        if (!wasDumped(L)) {
            // As Lua's own refusal of a binary chunk: without a position.
            _ = c.lua_pushstring(L, binary_refusal);
            _ = c.lua_error(L);
        }
        // Kept alive (and its bytes in place) until load is done with it,
        // under a key of this load's own: a finalizer can load too meanwhile.
        c.lua_rawsetp(L, lua.REGISTRYINDEX, self);
        _ = c.lua_rawgetp(L, lua.REGISTRYINDEX, self);
        const whole = c.lua_tolstring(L, -1, size);
        lua.pop(L, 1);
        self.done = true;
        return whole;
    }
};

fn loadReader(L: *lua.State, reader: c.lua_Reader, data: ?*anyopaque, name: [*:0]const u8, mode: ?[*:0]const u8) callconv(.c) c_int {
    var r: Reader = .{ .reader = reader, .data = data, .binary = allowsBinary(mode) };
    const status = c.lua_load(L, Reader.read, &r, name, mode);
    if (r.done) {
        c.lua_pushnil(L);
        c.lua_rawsetp(L, lua.REGISTRYINDEX, &r);
    }
    return status;
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

/// The sandbox's own C functions that can be on the stack while a script
/// runs: `debug.getinfo` gives no `func` for them (ABI §8).
fn isHiddenFunction(f: lua.CFn) callconv(.c) c_int {
    const hidden = f == main.evalMain or f == err.handler or f == memoryAlias or ext_table.isInternal(f);
    return @intFromBool(hidden);
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
    @export(&budgetCharge, .{ .name = "wc_budget_charge", .visibility = .hidden });
    @export(&budgetRaise, .{ .name = "wc_budget_raise", .visibility = .hidden });
    @export(&budgetReenterDue, .{ .name = "wc_budget_reenter_due", .visibility = .hidden });
    @export(&instructions_exhausted, .{ .name = "wc_budget_exhausted", .visibility = .hidden });
    @export(&isHiddenFunction, .{ .name = "wc_is_hidden_function", .visibility = .hidden });
}
