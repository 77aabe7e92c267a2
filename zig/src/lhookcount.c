/*
** How far the count hook of a thread is from firing: the instructions a
** running eval used since the last budget check (sandbox.zig). Lua keeps it
** in the state, with no API to read it.
*/
#include "lstate.h"

int wc_hook_remaining (lua_State *L) {
  return L->hookcount;
}
