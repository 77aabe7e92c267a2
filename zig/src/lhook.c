/*
** Lua's one hook slot, shared by the instruction budget and the script's
** own hooks (ABI §3, §8). The sandbox owns the slot: every thread that has
** a hook has 'wc_hook_dispatch', which serves the budget when its count
** event is due and otherwise calls the script's hook (ldblib's, see
** ldb_sandbox.c). The script's settings live where Lua keeps them (mask,
** 'basehookcount', 'hookcount'); while the budget waits for its event, two
** bits above Lua's four mark that, the count hook fires after one
** instruction, and the script's own remaining count waits in the thread's
** extra space. So no 'debug.sethook' can remove or delay the budget, and the
** script's count hook fires on the same instructions as in native Lua.
*/
#define LUA_CORE

#include "lprefix.h"
#include <string.h>
#include "lua.h"
#include "lauxlib.h"
#include "ldebug.h"
#include "lstate.h"

/* The budget's count event is pending on this thread. */
#define WC_MASK_BUDGET	0x10
/* The script asked for a count hook ('LUA_MASKCOUNT' may be the budget's). */
#define WC_MASK_SCRIPTCOUNT	0x20
#define WC_MASK_LUA	(LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT)

/* sandbox.zig: the budget's accounting. */
int wc_budget_charge (void);
void wc_budget_raise (lua_State *L);
int wc_budget_reenter_due (void);
extern int wc_budget_slice;
/* sandbox.zig: the sandbox's own C functions. */
int wc_is_hidden_function (lua_CFunction f);
/* ldb_sandbox.c: ldblib's hook, which calls the script's hook function. */
void wc_script_hook (lua_State *L, lua_Debug *ar);

void wc_hook_dispatch (lua_State *L, lua_Debug *ar);

/* Raises the error on top of the stack from inside a hook. Lua turns hooks
** off while one runs and on again when it returns; an error leaves them off
** until the next pcall boundary, and a message handler would run unhooked
** (and so unbounded). Leaving the hook by an error is its return. */
int wc_hook_error (lua_State *L) {
  L->allowhook = 1;
  return lua_error(L);
}


static int *saved_count (lua_State *L) {
  return (int *)lua_getextraspace(L);
}


/* Sets the slot as lua_sethook does (traps in every Lua frame of 'L', so
** the running ones notice at their next jump, call or return), keeping
** 'hookcount' when asked. */
static void set_slot (lua_State *L, int mask, int count, int keepcount) {
  int hookcount = L->hookcount;
  lua_sethook(L, (mask & WC_MASK_LUA) ? wc_hook_dispatch : NULL, mask, count);
  if (keepcount) L->hookcount = hookcount;
}


/* The budget's count event becomes due after the next instruction. */
static void pend_budget (lua_State *L) {
  if (!(L->hookmask & WC_MASK_BUDGET)) {
    *saved_count(L) = L->hookcount;
    set_slot(L, L->hookmask | LUA_MASKCOUNT | WC_MASK_BUDGET, L->basehookcount, 1);
  }
  L->hookcount = 1;
}


/* For every instruction past the end of a slice (wc_budget_next). Where
** Lua runs code with hooks off (hooks, finalizers) no hook could fire: the
** slice is charged here, and once the budget is spent hooks are turned back
** on so that the next instruction raises the error. */
static void wc_budget_signal (lua_State *L) {
  if (!L->allowhook) {
    if (!wc_budget_charge()) return;  /* a new slice */
    L->allowhook = 1;
  }
  pend_budget(L);
}


/* A new call of luaV_execute is due (lvm_budget.h): the slice the budget's
** hook granted waits here, and the VM's counter is 0 so that its next
** instruction asks wc_budget_next. */
static int reenter_pending = 0;
static int reenter_slice;


/* Called by the VM (lvm_budget.h) for an instruction its counter went below
** 0 on: 1 when luaV_execute ('may_reenter') should run the frame in a new
** call, which counts the instruction; else counts it and goes on. A new
** call is made only while no hook is set: Lua's hooks would see the frame's
** start again. */
int wc_budget_next (lua_State *L, int may_reenter) {
  if (reenter_pending) {
    reenter_pending = 0;
    if (may_reenter && L->hookmask == 0) {
      wc_budget_slice = reenter_slice;
      return 1;
    }
    wc_budget_slice = reenter_slice - 1;
    if (wc_budget_slice >= 0) return 0;
  }
  wc_budget_signal(L);
  return 0;
}


/* The budget's event was served: the script's settings come back, with its
** count advanced by the instruction the event came on. */
static void end_budget (lua_State *L, lua_Debug *ar) {
  int remaining = *saved_count(L) - 1;
  int mask = L->hookmask & ~WC_MASK_BUDGET;
  if (!(mask & WC_MASK_SCRIPTCOUNT)) mask &= ~LUA_MASKCOUNT;
  set_slot(L, mask, L->basehookcount, 0);
  if (mask & WC_MASK_SCRIPTCOUNT) {
    if (remaining > 0) L->hookcount = remaining;
    else wc_script_hook(L, ar);  /* the script's count event is this one */
  }
}


/* Calls into and returns from the sandbox's own C functions (the eval's
** driver, its message handler, the proxies' metamethods) are not the
** script's: its hook does not see them, as debug.getinfo does not. */
static int is_hidden_call (lua_State *L, lua_Debug *ar) {
  lua_CFunction f;
  if (ar->event == LUA_HOOKLINE || ar->event == LUA_HOOKCOUNT) return 0;
  lua_getinfo(L, "f", ar);
  f = lua_tocfunction(L, -1);
  lua_pop(L, 1);
  return f != NULL && wc_is_hidden_function(f);
}


void wc_hook_dispatch (lua_State *L, lua_Debug *ar) {
  if (ar->event == LUA_HOOKCOUNT && (L->hookmask & WC_MASK_BUDGET)) {
    if (wc_budget_charge()) {
      L->hookcount = 1;  /* every next instruction raises again */
      wc_budget_raise(L);
    }
    end_budget(L, ar);
    if (L->hookmask == 0 && wc_budget_reenter_due()) {
      reenter_slice = wc_budget_slice;
      wc_budget_slice = 0;
      reenter_pending = 1;
    }
  }
  else if (!is_hidden_call(L, ar))
    wc_script_hook(L, ar);
}


/* debug.sethook: the script's hook for thread 'L'; a pending budget event
** stays pending. */
void wc_hook_set (lua_State *L, int mask, int count) {
  if (mask & LUA_MASKCOUNT) mask |= WC_MASK_SCRIPTCOUNT;
  if (L->hookmask & WC_MASK_BUDGET) {
    *saved_count(L) = count;
    set_slot(L, mask | LUA_MASKCOUNT | WC_MASK_BUDGET, count, 1);
  }
  else
    set_slot(L, mask, count, 0);
}


/* debug.gethook: the script's mask (0 when it set no hook). */
int wc_hook_mask (lua_State *L) {
  int mask = L->hookmask;
  if (!(mask & WC_MASK_SCRIPTCOUNT)) mask &= ~LUA_MASKCOUNT;
  return mask & WC_MASK_LUA;
}


/* A new thread inherits its creator's hook, as in Lua, but not a budget
** event pending there (lstate.c calls this through luai_userstatethread). */
void wc_hook_thread (lua_State *L1) {
  if (L1->hookmask & WC_MASK_BUDGET) {
    int mask = L1->hookmask & ~WC_MASK_BUDGET;
    if (!(mask & WC_MASK_SCRIPTCOUNT)) mask &= ~LUA_MASKCOUNT;
    set_slot(L1, mask, L1->basehookcount, 0);
  }
}
