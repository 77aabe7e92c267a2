/*
** The sandbox's 'package' library and 'require' (ABI §12): upstream
** loadlib.c compiled as it is, opened with two searchers, its own preload
** searcher and one for the modules the host sent with the request. The
** searchers for files and C libraries, package.path, package.cpath,
** package.loadlib and package.searchpath are not registered; the macros
** below keep their file and environment code from reaching anything.
*/
#define LUA_LIB
#include "lprefix.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lua.h"
#include "lauxlib.h"

#define getenv(name)		((void)(name), (char *)NULL)
#define fopen(name,mode)	((void)(name), (void)(mode), (FILE *)NULL)
#define luaL_loadfilex(L,f,m)	wc_no_files(L)

#include "loadlib.c"

/* The source of this eval's module 'name' (embed.zig), or NULL. */
const char *wc_host_module (const char *name, size_t len, size_t *size);

/* Finds the host's module: its source as a text chunk named '@name.lua',
** and 'name.lua' for the loader, as searcher_Lua gives a file's name. */
static int searcher_host (lua_State *L) {
  size_t len, size;
  const char *name = luaL_checklstring(L, 1, &len);
  const char *source = wc_host_module(name, len, &size);
  const char *filename;
  if (source == NULL) {
    lua_pushfstring(L, "no host module '%s'", name);
    return 1;
  }
  filename = lua_pushfstring(L, "%s.lua", name);
  lua_pushfstring(L, "@%s", filename);
  return checkload(L, luaL_loadbufferx(L, source, size, lua_tostring(L, -1), "t") == LUA_OK,
                   filename);
}

int luaopen_sandbox_package (lua_State *L) {
  static const lua_CFunction searchers[] = {searcher_preload, searcher_host};
  int i;
  lua_createtable(L, 0, 4);  /* 'package' */
  lua_createtable(L, 2, 0);
  for (i = 0; i < 2; i++) {
    lua_pushvalue(L, -2);  /* 'package' is every searcher's upvalue */
    lua_pushcclosure(L, searchers[i], 1);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "searchers");
  lua_pushliteral(L, LUA_DIRSEP "\n" LUA_PATH_SEP "\n" LUA_PATH_MARK "\n"
                     LUA_EXEC_DIR "\n" LUA_IGMARK "\n");
  lua_setfield(L, -2, "config");
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_setfield(L, -2, "loaded");
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_setfield(L, -2, "preload");
  lua_pushglobaltable(L);
  lua_pushvalue(L, -2);  /* 'package' is the upvalue of 'require' */
  luaL_setfuncs(L, ll_funcs, 1);
  lua_pop(L, 1);  /* the global table */
  return 1;
}
