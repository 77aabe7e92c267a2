/*
** The sandbox's 'os' library: upstream loslib.c compiled as it is, with its
** time functions registered and nothing else. The clock comes from the host
** (ABI §7), so a host can fix it; dates are UTC (WASI has no time zones).
*/
#include <time.h>

__attribute__((import_module("env"), import_name("js_clock")))
double js_clock(int kind);

#define l_system(cmd)		((void)(cmd), -1)
#define LUA_TMPNAMBUFSIZE	32
#define lua_tmpnam(b,e)		{ (void)(b); e = 1; }
#define clock()			((clock_t)(js_clock(1) * CLOCKS_PER_SEC))

#include "loslib.c"

static const luaL_Reg sandbox_oslib[] = {
  {"clock",     os_clock},
  {"date",      os_date},
  {"difftime",  os_difftime},
  {"time",      os_time},
  {NULL, NULL}
};

int luaopen_sandbox_os (lua_State *L) {
  luaL_newlib(L, sandbox_oslib);
  return 1;
}

time_t wc_time (time_t *t) {
  time_t now = (time_t)js_clock(0);
  if (t) *t = now;
  return now;
}
