/*
** Lua's core compiled as one translation unit, as upstream's onelua.c does
** (and the native reference build, gcc -O2 onelua.c): the compiler can then
** inline the core's small functions across its files (luaH_getint into
** lua_geti, luaD_precall and the table lookups into luaV_execute). LTO would
** do the same, but its code generation runs at link time without the
** -mllvm flags that make setjmp/longjmp wasm exceptions. The core's cold
** files (ldebug.c, lstate.c, lzio.c, lctype.c, lopcodes.c) stay out of it,
** built for size (build.zig).
**
** The table library is in the unit too: table.insert, table.remove and
** table.sort spend most of their time in lua_geti and lua_seti, which the
** unit inlines into their loops. Each access charges the deadline's work
** counter (src/deadline.h, ABI §7), and so does table.unpack's stack.
**
** So is the coroutine library, whose coroutine.yield src/lyield.h must
** recognize; it is built for size (minsize), which keeps lua.wasm under its
** size target (bench/README.md) at a cost of ~8% on bench/'s coroutines.
** ldo.c and lvm.c are upstream's with the few edits of build.zig's
** upstream_edits (ldo_wc.c, lvm_wc.c), which let that yield return.
**
** lvm.c comes last: its two headers (build.zig used to force them into it
** alone) redefine GET_OPCODE, luaT_getvarargs and luaT_callTM for the VM
** only, and would change the files that follow them.
*/
#include "lmem.c"
#include "lfunc.c"
#include "lobject.c"
#include "ltm.c"
#include "lstring.c"
#include "ltable.c"
#include "lyield.h"
#include "ldo_wc.c"
#include "lapi.c"

#define lua_geti(L,i,n)	(wc_deadline_spend(1), lua_geti(L,i,n))
#define lua_seti(L,i,n)	(wc_deadline_spend(1), lua_seti(L,i,n))
#include "deadline_stack.h"
#include "ltablib.c"
#pragma clang attribute push (__attribute__((minsize)), apply_to = function)
#include "lcorolib.c"
#pragma clang attribute pop
#undef lua_geti
#undef lua_seti
#undef lua_checkstack
#undef luaL_checkstack

#include "lvm_budget.h"
#include "lvm_home.h"
#include "lvm_wc.c"
