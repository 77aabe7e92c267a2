/*
** The restore after each eval (sandbox.zig), its common part in Lua's own
** terms: every field of a table is compared with its pristine copy and put
** back where it differs. The table's slots are walked by index; lua_next
** looks each key up again, and through the API this loop was a third of the
** time of an eval of `return 1`.
*/
#define LUA_CORE

#include "lprefix.h"

#include <stdint.h>
#include <string.h>

#include "lua.h"
#include "lgc.h"
#include "lobject.h"
#include "lstate.h"
#include "lstring.h"
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


/*
** A snapshot of a table's slots, byte for byte, taken after a restore: when the
** next restore finds the same bytes at the same place, the eval changed nothing
** in that table and its fields need no comparing. Equal bytes are equal keys and
** values (an object is never moved, and one still held by the pristine copy is
** never freed); bytes that differ only in padding merely send the table through
** the field by field restore.
*/
typedef struct Snapshot {
  const Node *node;
  const TValue *array;
  unsigned int nodesize;
  unsigned int asize;
} Snapshot;

static size_t node_bytes (const Snapshot *s) { return s->nodesize * sizeof(Node); }
static size_t array_bytes (const Snapshot *s) { return s->asize * sizeof(TValue); }

static void describe (Table *t, Snapshot *s) {
  s->node = t->node;
  s->array = t->array;
  s->nodesize = cast_uint(sizenode(t));
  s->asize = luaH_realasize(t);
}

/* wasi-libc's memcmp goes byte by byte: this compares 32 bytes a step, with one
** branch for them. */
static int same_bytes (const char *a, const char *b, size_t n) {
  size_t i;
  for (i = 0; i + 32 <= n; i += 32) {
    uint64_t x[4], y[4];
    memcpy(x, a + i, 32);
    memcpy(y, b + i, 32);
    if (((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) != 0) return 0;
  }
  for (; i < n; i++)
    if (a[i] != b[i]) return 0;
  return 1;
}

/* Records the slots of the table at 'ti' into the snapshot at 'si' when it has
** their size; otherwise pushes a new snapshot and returns 1. */
int wc_table_snapshot (lua_State *L, int ti, int si) {
  Table *t = (Table *)lua_topointer(L, ti);
  Snapshot now;
  size_t size;
  int fresh;
  char *s = (char *)lua_touserdata(L, si);
  describe(t, &now);
  size = sizeof(Snapshot) + node_bytes(&now) + array_bytes(&now);
  fresh = s == NULL || lua_rawlen(L, si) != size;
  if (fresh) s = (char *)lua_newuserdatauv(L, size, 0);
  memcpy(s, &now, sizeof(Snapshot));
  memcpy(s + sizeof(Snapshot), t->node, node_bytes(&now));
  memcpy(s + sizeof(Snapshot) + node_bytes(&now), t->array, array_bytes(&now));
  return fresh;
}

/* Whether table 't' holds what the snapshot 's' recorded. */
static int unchanged (Table *t, const char *s) {
  Snapshot was, now;
  memcpy(&was, s, sizeof(Snapshot));
  describe(t, &now);
  if (was.node != now.node || was.array != now.array ||
      was.nodesize != now.nodesize || was.asize != now.asize) return 0;
  return same_bytes(s + sizeof(Snapshot), (const char *)t->node, node_bytes(&now)) &&
         same_bytes(s + sizeof(Snapshot) + node_bytes(&now), (const char *)t->array, array_bytes(&now));
}

/* The slot of the first table, from slot 'from' on, of the pristine record at
** 'pi' (sandbox.zig: 'step' slots a table, the table, its copy and its snapshot
** first) that is
** not as its snapshot says, or 'n', the record's length, when there is none.
** On the way it takes away the metatable the eval gave to any of them but `_G`
** (at 'gi'), whose own the restore puts back. Through the API this walk cost
** more than the rest of the restore of an eval that changed nothing. */
lua_Integer wc_first_changed (lua_State *L, int pi, int gi, lua_Integer from, lua_Integer step,
                              lua_Integer n) {
  Table *pristine = (Table *)lua_topointer(L, pi);
  Table *g = (Table *)lua_topointer(L, gi);
  lua_Integer slot;
  lua_assert(lua_type(L, pi) == LUA_TTABLE && lua_type(L, gi) == LUA_TTABLE);
  for (slot = from; slot < n; slot += step) {
    const TValue *tv = luaH_getint(pristine, slot + 1);
    const TValue *sv = luaH_getint(pristine, slot + 3);
    Table *t;
    lua_assert(ttistable(tv));
    t = hvalue(tv);
    if (t != g)
      t->metatable = NULL;  /* as lua_setmetatable(L, t) with nil */
    if (!ttisfulluserdata(sv) || !unchanged(t, (const char *)getudatamem(uvalue(sv))))
      return slot;
  }
  return n;
}


/* Empties the field 'name' (a short string) of the table at 'ti', as the restore
** would, and zeroes the bytes where its value was: the slot then holds the bytes
** it held after the last restore, so a table whose only change is this field
** still passes wc_table_unchanged. */
void wc_clear_field (lua_State *L, int ti, const char *name) {
  Table *t = (Table *)lua_topointer(L, ti);
  TValue *v = cast(TValue *, luaH_getshortstr(t, luaS_new(L, name)));
  lua_assert(lua_type(L, ti) == LUA_TTABLE);
  if (!isempty(v)) {
    val_(v).i = 0;
    setempty(v);
    invalidateTMcache(t);
  }
}
