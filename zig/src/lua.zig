//! Lua's C API as Zig sees it: the translated header, plus the few macros and
//! slice conversions the other files need. Nothing here owns state.

pub const c = @import("c");
pub const State = c.lua_State;
pub const CFn = *const fn (?*State) callconv(.c) c_int;

pub const OK = c.LUA_OK;
pub const ERRRUN = c.LUA_ERRRUN;
pub const ERRSYNTAX = c.LUA_ERRSYNTAX;
pub const ERRMEM = c.LUA_ERRMEM;
pub const ERRERR = c.LUA_ERRERR;

pub const TNIL = c.LUA_TNIL;
pub const TBOOLEAN = c.LUA_TBOOLEAN;
pub const TNUMBER = c.LUA_TNUMBER;
pub const TSTRING = c.LUA_TSTRING;
pub const TTABLE = c.LUA_TTABLE;
pub const TFUNCTION = c.LUA_TFUNCTION;
pub const TUSERDATA = c.LUA_TUSERDATA;
pub const TLIGHTUSERDATA = c.LUA_TLIGHTUSERDATA;
pub const TTHREAD = c.LUA_TTHREAD;

pub const REGISTRYINDEX = c.LUA_REGISTRYINDEX;

pub inline fn upvalueIndex(i: c_int) c_int {
    return REGISTRYINDEX - i;
}

/// A C function may push only LUA_MINSTACK (20) values unless it asks for
/// more; beyond that it writes past the stack. Every entry point and every
/// level of a recursion asks.
pub inline fn ensureStack(L: *State, n: c_int) void {
    c.luaL_checkstack(L, n, "too many nested tables");
}

pub inline fn pushGlobalTable(L: *State) void {
    _ = c.lua_rawgeti(L, REGISTRYINDEX, c.LUA_RIDX_GLOBALS);
}

pub inline fn pop(L: *State, n: c_int) void {
    c.lua_settop(L, -n - 1);
}

pub inline fn pushSlice(L: *State, s: []const u8) void {
    _ = c.lua_pushlstring(L, s.ptr, s.len);
}

pub inline fn pushFn(L: *State, f: CFn) void {
    c.lua_pushcclosure(L, f, 0);
}

/// The bytes of the string at `idx`, without conversion; null if it is not a string.
pub fn stringAt(L: *State, idx: c_int) ?[]const u8 {
    if (c.lua_type(L, idx) != TSTRING) return null;
    var len: usize = 0;
    const p = c.lua_tolstring(L, idx, &len);
    return p[0..len];
}

/// `tostring(v)` of the value at `idx`, pushed on the stack (may call `__tostring`).
pub fn toDisplay(L: *State, idx: c_int) []const u8 {
    var len: usize = 0;
    const p = c.luaL_tolstring(L, idx, &len);
    return p[0..len];
}

/// A C function argument that must be present, as Lua's own `luaL_checkany`.
pub inline fn state(L: ?*State) *State {
    return L.?;
}

pub fn raise(L: *State, comptime fmt: [*:0]const u8, args: anytype) noreturn {
    _ = @call(.auto, c.luaL_error, .{ L, fmt } ++ args);
    unreachable;
}

pub inline fn isInteger(L: *State, idx: c_int) bool {
    return c.lua_isinteger(L, idx) != 0;
}
