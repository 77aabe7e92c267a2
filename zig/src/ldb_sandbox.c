/*
** The sandbox's 'debug' library (ABI §8): upstream ldblib.c compiled as it
** is, with the debug API calls it makes pointed at the versions below, so
** that nothing of the sandbox becomes reachable or changeable through it:
** the upvalues of C functions (their values: 'upvalueid' gives an identity,
** as in Lua, and 'upvaluejoin' refuses them, as in Lua) and the locals of C
** frames (but the arguments and results a hook sees) are hidden,
** 'getinfo' gives no 'func' for the sandbox's own C functions, protected
** metatables stay protected, and hooks are the script's only (lhook.c).
** 'debug.debug' (a console) and 'debug.getregistry' (the sandbox's state)
** are not registered.
*/
#define LUA_LIB

#include "lprefix.h"
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

/* sandbox.zig: the sandbox's own C functions that can be on the stack. */
int wc_is_hidden_function (lua_CFunction f);
/* lhook.c: the script's part of the hook slot. */
void wc_hook_set (lua_State *L, int mask, int count);
int wc_hook_mask (lua_State *L);

static void hookf (lua_State *L, lua_Debug *ar);


static int is_c_frame (lua_State *L, lua_Debug *ar) {
  lua_Debug frame = *ar;
  return lua_getinfo(L, "S", &frame) && strcmp(frame.what, "C") == 0;
}

/* In a call or return hook, the values a C frame receives or returns
** ('ftransfer', 'ntransfer'): its caller's arguments or its results. */
static int is_transfer (lua_State *L, lua_Debug *ar, int n) {
  lua_Debug frame = *ar;
  return lua_getinfo(L, "r", &frame) && frame.ntransfer > 0 &&
         frame.ftransfer <= n && n < frame.ftransfer + frame.ntransfer;
}

/* The locals of a C frame hold its bookkeeping (a buffer's box, a proxy's
** state): only the values it transfers can be read, none written. */
static const char *sandbox_getlocal (lua_State *L, lua_Debug *ar, int n) {
  if (ar != NULL && is_c_frame(L, ar) && !is_transfer(L, ar, n)) return NULL;
  return lua_getlocal(L, ar, n);
}

static const char *sandbox_setlocal (lua_State *L, lua_Debug *ar, int n) {
  if (is_c_frame(L, ar)) return NULL;
  return lua_setlocal(L, ar, n);
}

static const char *sandbox_getupvalue (lua_State *L, int f, int n) {
  return lua_iscfunction(L, f) ? NULL : lua_getupvalue(L, f, n);
}

static const char *sandbox_setupvalue (lua_State *L, int f, int n) {
  return lua_iscfunction(L, f) ? NULL : lua_setupvalue(L, f, n);
}

/* A stack level's function, unless it is one of the sandbox's own. (With
** 'L' too, the function is below the table of lines.) */
static int sandbox_getinfo (lua_State *L, const char *what, lua_Debug *ar) {
  int ok = lua_getinfo(L, what, ar);
  if (ok && what[0] != '>' && strchr(what, 'f') != NULL) {
    int idx = strchr(what, 'L') != NULL ? -2 : -1;
    lua_CFunction f = lua_tocfunction(L, idx);
    if (f != NULL && wc_is_hidden_function(f)) {
      lua_pushnil(L);
      lua_replace(L, idx - 1);
    }
  }
  return ok;
}

static void sandbox_sethook (lua_State *L, lua_Hook func, int mask, int count) {
  wc_hook_set(L, func != NULL ? mask : 0, count);
}

static lua_Hook sandbox_gethook (lua_State *L) {
  return wc_hook_mask(L) != 0 ? hookf : NULL;
}

#define lua_getlocal(L,ar,n)	sandbox_getlocal(L,ar,n)
#define lua_setlocal(L,ar,n)	sandbox_setlocal(L,ar,n)
#define lua_getupvalue(L,f,n)	sandbox_getupvalue(L,f,n)
#define lua_setupvalue(L,f,n)	sandbox_setupvalue(L,f,n)
#define lua_getinfo(L,w,ar)	sandbox_getinfo(L,w,ar)
#define lua_sethook(L,f,m,c)	sandbox_sethook(L,f,m,c)
#define lua_gethook(L)		sandbox_gethook(L)
#define lua_gethookmask(L)	wc_hook_mask(L)

#include "ldblib.c"


/* As the base library's: a '__metatable' field stands for the metatable. */
static int sandbox_db_getmetatable (lua_State *L) {
  luaL_checkany(L, 1);
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return 1;
  return db_getmetatable(L);
}

static int sandbox_db_setmetatable (lua_State *L) {
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
    return luaL_error(L, "cannot change a protected metatable");
  return db_setmetatable(L);
}


/* ldblib's hook expects its table of hooks, which the restore after an eval
** removes with the hooks it holds. */
void wc_script_hook (lua_State *L, lua_Debug *ar) {
  int hooks = lua_getfield(L, LUA_REGISTRYINDEX, HOOKKEY);
  lua_pop(L, 1);
  if (hooks == LUA_TTABLE) hookf(L, ar);
}


static const luaL_Reg sandbox_dblib[] = {
  {"getuservalue", db_getuservalue},
  {"gethook", db_gethook},
  {"getinfo", db_getinfo},
  {"getlocal", db_getlocal},
  {"getmetatable", sandbox_db_getmetatable},
  {"getupvalue", db_getupvalue},
  {"upvaluejoin", db_upvaluejoin},
  {"upvalueid", db_upvalueid},
  {"setuservalue", db_setuservalue},
  {"sethook", db_sethook},
  {"setlocal", db_setlocal},
  {"setmetatable", sandbox_db_setmetatable},
  {"setupvalue", db_setupvalue},
  {"traceback", db_traceback},
  {"setcstacklimit", db_setcstacklimit},
  {NULL, NULL}
};


int luaopen_sandbox_debug (lua_State *L) {
  luaL_newlib(L, sandbox_dblib);
  return 1;
}
