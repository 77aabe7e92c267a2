//! Status codes (ABI §5) and the message of a failed eval.

const std = @import("std");
const lua = @import("lua.zig");
const c = lua.c;

pub const Status = enum(i32) {
    success = 0,
    null_state = -1,
    invalid_size = -2,
    compile_failed = -3,
    runtime_failed = -4,
    buffer_overflow = -5,
    memory_limit = -6,
    instruction_limit = -7,
    store_failed = -8,
};

pub const instruction_limit_message = "instruction limit exceeded";
pub const memory_message = "not enough memory";

var key_traceback: u8 = 0;

/// The message handler of the eval, after `lua.c`: turns the error object into
/// a message and records the traceback beside it (ABI §4).
pub fn handler(Lopt: ?*lua.State) callconv(.c) c_int {
    const L = lua.state(Lopt);
    lua.ensureStack(L, 32);
    if (c.lua_type(L, 1) != lua.TSTRING) {
        if (c.luaL_callmeta(L, 1, "__tostring") != 0 and c.lua_type(L, -1) == lua.TSTRING) {
            // The object's own description.
        } else if (c.lua_type(L, 1) == lua.TNUMBER) {
            _ = lua.toDisplay(L, 1);
        } else {
            _ = c.lua_pushfstring(L, "(error object is a %s value)", c.luaL_typename(L, 1));
        }
        c.lua_replace(L, 1);
        c.lua_settop(L, 1);
    }
    c.luaL_traceback(L, L, null, 1);
    c.lua_rawsetp(L, lua.REGISTRYINDEX, &key_traceback);
    return 1;
}

/// Pushes the traceback recorded by the last `handler` call (or ""), and forgets it.
pub fn pushTraceback(L: *lua.State) void {
    if (c.lua_rawgetp(L, lua.REGISTRYINDEX, &key_traceback) != lua.TSTRING) {
        lua.pop(L, 1);
        _ = c.lua_pushstring(L, "");
    }
    c.lua_pushnil(L);
    c.lua_rawsetp(L, lua.REGISTRYINDEX, &key_traceback);
}
