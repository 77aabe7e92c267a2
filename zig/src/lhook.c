/*
** What the budget's hook needs that Lua's API does not cover (sandbox.zig).
*/
#include "lstate.h"

/* Raises the error on top of the stack from inside a hook. Lua turns hooks
** off while one runs and on again when it returns; an error leaves them off
** until the next pcall boundary, and a message handler would run unhooked
** (and so unbounded). Leaving the hook by an error is its return. */
int wc_hook_error (lua_State *L) {
  L->allowhook = 1;
  return lua_error(L);
}
