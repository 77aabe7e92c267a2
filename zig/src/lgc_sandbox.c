/*
** Lua's collector (upstream lgc.c, compiled as it is) with what the sandbox
** needs of finalizers (ABI §8):
**   - wc_finalize_all: at the end of every eval, every object still marked
**     for finalization is finalized, as lua_close does, so no finalizer of
**     one eval runs during another;
**   - no finalizer runs while the external tables' C code (ext_table.zig) is
**     in the middle of an operation: its buffers and invariants are not
**     re-entrant. That code marks its frames (wc_ext_enter/wc_ext_leave), and
**     the collector makes no step while one is on the stack. A frame left by
**     an error is noticed as gone, so the mark needs no cleanup on errors.
*/
#define LUA_CORE

#include "lprefix.h"
#include "lua.h"
#include "lgc.h"

#define luaC_step	upstream_luaC_step
#define luaC_fullgc	upstream_luaC_fullgc
#include "lgc.c"
#undef luaC_step
#undef luaC_fullgc

void upstream_luaC_step (lua_State *L);
void upstream_luaC_fullgc (lua_State *L, int isemergency);

/* The outermost frame of ext_table's C code, if one is running. */
static lua_State *busy_L = NULL;
static CallInfo *busy_ci = NULL;
static lua_CFunction busy_f = NULL;


static lua_CFunction frame_function (CallInfo *ci) {
  const TValue *f = s2v(ci->func.p);
  if (ttislcf(f)) return fvalue(f);
  if (ttisCclosure(f)) return clCvalue(f)->f;
  return NULL;
}


/* Is the marked frame still on its thread's stack (and the same call)? */
static int ext_busy (void) {
  CallInfo *ci;
  if (busy_L == NULL) return 0;
  for (ci = busy_L->ci; ci != NULL; ci = ci->previous) {
    if (ci == busy_ci) {
      if (frame_function(ci) == busy_f) return 1;
      break;
    }
  }
  busy_L = NULL;  /* left by an error */
  return 0;
}


void wc_ext_enter (lua_State *L) {
  if (!ext_busy()) {
    busy_L = L;
    busy_ci = L->ci;
    busy_f = frame_function(L->ci);
  }
}


void wc_ext_leave (lua_State *L) {
  if (busy_L == L && busy_ci == L->ci) busy_L = NULL;
}


/* lstate.c, through luai_userstatefree: a thread goes away. */
void wc_ext_thread_free (lua_State *L1) {
  if (busy_L == L1) busy_L = NULL;
}


/* A step may traverse the whole heap (a pause of 0 and a large step size
** make every step a whole cycle), so it charges the deadline's work counter
** by the heap's size (src/deadline.h, ABI §7); so does a full collection. */
void luaC_step (lua_State *L) {
  if (ext_busy())
    luaE_setdebt(G(L), -2000);  /* as for a stopped collector: ask again soon */
  else {
    wc_deadline_bytes(gettotalbytes(G(L)));
    upstream_luaC_step(L);
  }
}


/* A full collection asked for in the middle of ext_table's code runs as an
** emergency one does: without finalizers. */
void luaC_fullgc (lua_State *L, int isemergency) {
  wc_deadline_bytes(gettotalbytes(G(L)));
  upstream_luaC_fullgc(L, isemergency || ext_busy());
}


/* Finalizes every object marked for finalization, reachable or not, in
** Lua's order, as luaC_freeallobjects does, and like it marks no new ones
** meanwhile: an object a finalizer makes (or resurrects) with a '__gc' is not
** finalized, as in 'lua' at exit, so nothing is left for a later eval. A
** sweep under way is finished first: it may point into the list of
** finalizable objects. Finalizers run under the budget (lhook.c). */
void wc_finalize_all (lua_State *L) {
  global_State *g = G(L);
  lu_byte gcstp = g->gcstp;
  busy_L = NULL;
  if (g->finobj == NULL && g->tobefnz == NULL)
    return;  /* the common case, and no change of mode to undo (wc_gc_reset) */
  luaC_changemode(L, KGC_INC);
  if (issweepphase(g))
    luaC_runtilstate(L, bitmask(GCScallfin));
  g->gcstp = GCSTPCLS;
  separatetobefnz(g, 1);
  callallpendingfinalizers(L);
  g->gcstp = gcstp;
}


/* The collector as lua.c leaves it for a script (ABI §1): generational mode,
** with every parameter of both modes at its default (lstate.c's values), so
** what one eval set with collectgarbage does not reach the next. Entering
** generational mode costs a full collection: only an eval that left it pays. */
void wc_gc_reset (lua_State *L) {
  global_State *g = G(L);
  setgcparam(g->gcpause, LUAI_GCPAUSE);
  setgcparam(g->gcstepmul, LUAI_GCMUL);
  g->gcstepsize = LUAI_GCSTEPSIZE;
  setgcparam(g->genmajormul, LUAI_GENMAJORMUL);
  g->genminormul = LUAI_GENMINORMUL;
  luaC_changemode(L, KGC_GEN);
}
