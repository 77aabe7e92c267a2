/*
** The restore after each eval (sandbox.zig), its common part in Lua's own
** terms: every field of a table is compared with its pristine copy and put
** back where it differs. The table's slots are walked by index; lua_next
** looks each key up again, and through the API this loop was a third of the
** time of an eval of `return 1`.
*/
#define LUA_CORE

#include "lprefix.h"
#include "lua.h"
#include "lgc.h"
#include "lobject.h"
#include "lstate.h"
#include "ltable.h"
#include "lvm.h"

/* Puts back one field: its slot 'v' holds key 'k'; the copy says what it was. */
static int restore_slot (lua_State *L, Table *t, TValue *v, Table *copy, const TValue *k) {
  const TValue *was = luaH_get(copy, k);
  if (isempty(was)) {  /* a new field: gone */
    setempty(v);
    return 0;
  }
  if (!luaV_rawequalobj(v, was)) {
    setobj(L, v, was);
    invalidateTMcache(t);
    luaC_barrierback(L, obj2gco(t), was);
  }
  return 1;
}

/* Restores the table at 'ti' from its copy at 'ci' in place, except for fields
** the eval removed; returns how many of the copy's fields it found (all of
** them, unless one was removed). Emptying a slot keeps its key: a traversal
** under way stays valid, as when Lua code assigns nil. */
lua_Integer wc_restore_fields (lua_State *L, int ti, int ci) {
  Table *t = (Table *)lua_topointer(L, ti);
  Table *copy = (Table *)lua_topointer(L, ci);
  unsigned int asize = luaH_realasize(t);
  unsigned int i;
  lua_Integer found = 0;
  TValue k;
  lua_assert(lua_type(L, ti) == LUA_TTABLE && lua_type(L, ci) == LUA_TTABLE);
  for (i = 0; i < asize; i++) {
    if (!isempty(&t->array[i])) {
      setivalue(&k, cast(lua_Integer, i) + 1);
      found += restore_slot(L, t, &t->array[i], copy, &k);
    }
  }
  for (i = 0; i < cast_uint(sizenode(t)); i++) {
    Node *n = gnode(t, i);
    if (!isempty(gval(n))) {
      getnodekey(L, &k, n);
      found += restore_slot(L, t, gval(n), copy, &k);
    }
  }
  return found;
}
