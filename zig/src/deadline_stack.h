/*
** Forced into the libraries that can fill the stack with many values in one
** call (build.zig; src/lcore_unit.c around ltablib.c): string.byte,
** table.unpack, utf8.codepoint, coroutine transfers. Each charges the
** deadline's work counter (src/deadline.h, ABI §7) a unit per 16 slots it
** asks for. lua.h and lauxlib.h declare both functions with their names in
** parentheses, which these macros leave alone. Their argument is read once
** (table.unpack passes `++n`).
*/
#define lua_checkstack(L,n) ({ int wc_slots_ = (n); \
  wc_deadline_spend(1 + wc_slots_ / 16); lua_checkstack((L), wc_slots_); })
#define luaL_checkstack(L,n,msg) ({ int wc_slots_ = (n); \
  wc_deadline_spend(1 + wc_slots_ / 16); luaL_checkstack((L), wc_slots_, (msg)); })
