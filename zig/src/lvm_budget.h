/*
** Forced into lvm.c only (build.zig): the instruction budget's counter
** (sandbox.zig, ABI §3). lvm.c decodes an instruction's opcode with
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
void wc_budget_signal(lua_State *L);

#undef GET_OPCODE
#define GET_OPCODE(i) \
  (l_unlikely(--wc_budget_slice < 0) ? wc_budget_signal(L) : (void)0, \
   cast(OpCode, ((i)>>POS_OP) & MASK1(SIZE_OP,0)))

/* `...` copies every extra argument, up to a million values in one
** instruction: it charges the deadline's work counter (src/deadline.h) a
** unit per 16 of them. ltm.h is included above for the same reason as
** lopcodes.h. */
#define luaT_getvarargs(L,ci,where,wanted) \
  (wc_deadline_spend(1 + (ci)->u.l.nextraargs / 16), luaT_getvarargs(L, ci, where, wanted))
