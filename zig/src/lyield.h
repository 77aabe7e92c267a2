/*
** Included right before ldo.c (src/lcore_unit.c): a coroutine.yield called
** by the VM straight from a coroutine's Lua code returns, instead of
** unwinding with luaD_throw, whenever returning gives the same state. In
** wasm, luaD_throw is a wasm exception: its throw and the unwinding made a
** yield cost about as much as a hundred VM instructions, and bench/'s
** `coroutines` ran at 5-6x native in wasmtime and Chromium.
**
** Returning is the same as throwing when nothing between lua_yieldk and
** lua_resume would act on the return: the C function is coroutine.yield
** itself (which never runs as a continuation), called by an OP_CALL or
** OP_TAILCALL of a Lua frame, and every frame below down to the coroutine's
** body is a Lua frame run by the same call of luaV_execute (no C function,
** metamethod, hook or other fresh call of the VM in between; the body's own
** frame is the fresh one resume called). Then the build's edits of ldo.c
** and lvm.c (build.zig, upstream_edits) carry the yield up: precallC skips
** luaD_poscall, the VM returns after the call, unroll stops, and lua_resume
** reports LUA_YIELD, leaving the thread exactly as luaD_throw would have.
** Every other yield throws, as upstream's does.
*/
#define LUA_CORE
#include "lprefix.h"
#include "lua.h"
#include "lobject.h"
#include "lopcodes.h"
#include "lstate.h"

/* lcorolib.c, further down in this unit. */
static int luaB_yield (lua_State *L);

static int wc_yield_returns (lua_State *L) {
  CallInfo *ci = L->ci;
  const TValue *f = s2v(ci->func.p);
  OpCode op;
  if (!ttislcf(f) || fvalue(f) != luaB_yield) return 0;
  ci = ci->previous;
  if (!isLua(ci)) return 0;
  op = GET_OPCODE(*(ci->u.l.savedpc - 1));  /* the instruction that called it */
  if (op != OP_CALL && op != OP_TAILCALL) return 0;
  for (; ci != &L->base_ci; ci = ci->previous) {
    if (!isLua(ci)) return 0;
    if ((ci->callstatus & CIST_FRESH) && ci->previous != &L->base_ci) return 0;
  }
  return 1;
}
