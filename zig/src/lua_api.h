/* What Zig sees of C: Lua's public API, plus the libc allocator. */
#include <stdio.h>
#include <stdlib.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

int luaopen_sandbox_os(lua_State *L);
int luaopen_sandbox_io(lua_State *L);
int luaopen_sandbox_package(lua_State *L);
void wc_io_begin(const char *data, size_t len);
void wc_io_flush(void);
void wc_io_restore(lua_State *L);
void wc_error_write(const char *s, size_t l);
int wc_hook_error(lua_State *L);
int luaopen_sandbox_debug(lua_State *L);
void wc_finalize_all(lua_State *L);
void wc_gc_reset(lua_State *L);
void wc_hook_set(lua_State *L, int mask, int count);
void wc_ext_enter(lua_State *L);
void wc_ext_leave(lua_State *L);
lua_Integer wc_restore_fields(lua_State *L, int ti, int ci);
int wc_table_snapshot(lua_State *L, int ti, int si);
lua_Integer wc_first_changed(lua_State *L, int pi, int gi, lua_Integer from, lua_Integer step, lua_Integer n);
void wc_clear_field(lua_State *L, int ti, const char *name);
