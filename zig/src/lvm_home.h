/*
** Included right before lvm.c (src/lcore_unit.c): the common write to an
** external table (`_home.n = _home.n + 1`, ext_table.zig, ABI §9) done by
** the VM itself, without a call of the proxy's __newindex. lvm.c calls
** luaT_callTM only there, in luaV_finishset; this header declares it first
** (ltm.h's guard skips lvm.c's own include) and then sends lvm.c's call to
** wc_callTM.
**
** The write is done here only when it is the case ext_table.zig's
** storeScalarInPlace handles, and ext_table.zig says so for the table's
** state (wc_ext_plain_write): a string or integer key whose value in the
** cache is a scalar, a boolean, number or string value, a key this eval has
** already written. Everything else (a first write, a new key, a table, a
** refused value, a removed table, the commit) calls __newindex as before.
**
** It is done only when that call would have been invisible, so that no
** script can tell the two apart: no hook is set (the call would be a call
** and a return event), the call would have raised no C stack overflow, and
** would have allocated nothing, neither a CallInfo nor stack slots (an
** allocation moves the collector's debt, and so when finalizers run).
** __newindex calls no VM instruction: the budget counts the same.
*/
#define LUA_CORE
#include "lprefix.h"
#include "lua.h"
#include "lobject.h"
#include "lstate.h"
#include "ltable.h"
#include "lgc.h"
#include "ltm.h"

/* ext_table.zig: whether `f` is the __newindex of external tables and the
** table whose state is `state` takes a plain write in place. */
int wc_ext_plain_write (lua_CFunction f, const void *state);
/* ext_table.zig: the user values of a state holding the cache and the keys
** written in this eval. */
extern const int wc_ext_uv_cache;
extern const int wc_ext_uv_dirty;

/* The call's 4 slots and the 32 that __newindex makes sure of (lua.ensureStack). */
#define WC_NEWINDEX_STACK_SLOTS	(4 + 32)

static void wc_callTM (lua_State *L, const TValue *f, const TValue *p1,
                       const TValue *p2, const TValue *p3) {
  if (ttisCclosure(f) && clCvalue(f)->nupvalues == 1 &&
      ttisfulluserdata(&clCvalue(f)->upvalue[0]) &&
      L->hookmask == 0 && L->ci->next != NULL &&
      getCcalls(L) + 1 < LUAI_MAXCCALLS &&
      L->stack_last.p - L->top.p > WC_NEWINDEX_STACK_SLOTS &&
      (ttisstring(p2) || ttisinteger(p2)) &&
      (ttisboolean(p3) || ttisnumber(p3) || ttisstring(p3))) {
    Udata *u = uvalue(&clCvalue(f)->upvalue[0]);
    if (wc_ext_plain_write(clCvalue(f)->f, getudatamem(u))) {
      Table *cache = hvalue(&u->uv[wc_ext_uv_cache - 1].uv);
      Table *dirty = hvalue(&u->uv[wc_ext_uv_dirty - 1].uv);
      const TValue *old = luaH_get(cache, p2);
      if (!isempty(old) && !ttistable(old) && ttisnumber(luaH_get(dirty, p2))) {
        /* lua_rawset's steps (lapi.c's aux_rawset) on a key already there */
        setobj2t(L, cast(TValue *, old), p3);
        invalidateTMcache(cache);
        luaC_barrierback(L, obj2gco(cache), p3);
        return;
      }
    }
  }
  luaT_callTM(L, f, p1, p2, p3);
}

#define luaT_callTM	wc_callTM
