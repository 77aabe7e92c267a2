/*
** Included right before lvm.c (src/lcore_unit.c): the instruction budget's
** counter (sandbox.zig, ABI §3). lvm.c decodes an instruction's opcode with
** GET_OPCODE once, right before dispatching it, so counting there counts
** every instruction of every thread. lopcodes.h is included first so that
** lvm.c's own include of it is skipped and this GET_OPCODE stays.
**
** When the slice runs out, wc_budget_signal sets a count hook the way a
** signal handler would: lua_sethook is safe there, and the VM notices the
** hook at its next jump, loop, call or return. Lua's count hook alone could
** count, but while any hook is set every instruction goes through
** luaG_traceexec, which made the whole VM about twice as slow.
*/
#define LUA_CORE
#include "lprefix.h"
#include "lopcodes.h"
#include "ltm.h"

extern int wc_budget_slice;
int wc_budget_next(lua_State *L, int may_reenter);

/*
** lvm.c decodes with GET_OPCODE(i) in luaV_execute and GET_OPCODE(inst) in
** luaV_finishOp; the argument's name picks the version.
**
** luaV_execute's can also start the running frame over in a new call of
** luaV_execute (src/lhook.c says when), which then finishes what this call
** would have: a fresh call of luaV_execute ends by returning from the frame
** this one was called for. V8 compiles wasm first with its baseline
** compiler and later, in the background, with its optimizing one, but a
** function that is running keeps the code it started with; and Lua runs a
** whole chunk, with every Lua-to-Lua call, in one call of luaV_execute. So
** without this, a script that runs for seconds can run them all in
** baseline code. The instruction is not counted here, since the new call
** fetches and counts it.
*/
#undef GET_OPCODE
#define GET_OPCODE(i)	WC_GET_OPCODE_##i
#define WC_DECODE(i)	cast(OpCode, ((i)>>POS_OP) & MASK1(SIZE_OP,0))
#define WC_GET_OPCODE_inst \
  (l_unlikely(--wc_budget_slice < 0) ? (void)wc_budget_next(L, 0) : (void)0, \
   WC_DECODE(inst))
#define WC_GET_OPCODE_i ({ \
  if (l_unlikely(--wc_budget_slice < 0) && wc_budget_next(L, 1)) { \
    ci->u.l.savedpc = pc - 1; \
    luaV_execute(L, ci); \
    return; \
  } \
  WC_DECODE(i); })

/* `...` copies every extra argument, up to a million values in one
** instruction: it charges the deadline's work counter (src/deadline.h) a
** unit per 16 of them. ltm.h is included above for the same reason as
** lopcodes.h. */
#define luaT_getvarargs(L,ci,where,wanted) \
  (wc_deadline_spend(1 + (ci)->u.l.nextraargs / 16), luaT_getvarargs(L, ci, where, wanted))
