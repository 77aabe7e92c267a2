/*
** Forced into lstrlib.c only (build.zig): the pattern matcher charges the
** deadline's work counter (src/deadline.h, ABI §7) at every step. Every
** call of 'match' and of 'matchbalance' begins with an l_unlikely test, so
** l_unlikely charges a step here; luaconf.h keeps these definitions. A `%b`
** step scans up to the end of the subject, so a step costs 1 unit plus one
** per 4 KiB of the longest subject of the eval: prepstate, which every
** search begins with, records it as it sets the matcher's depth limit.
*/
#include "deadline.h"

extern long long wc_deadline_pattern_step_units;

static inline int wc_deadline_subject (size_t ls) {
  long long units = 1 + (long long)(ls >> 12);
  if (units > wc_deadline_pattern_step_units) wc_deadline_pattern_step_units = units;
  return 200;  /* lstrlib.c's own MAXCCALLS */
}

#define MAXCCALLS	wc_deadline_subject(ls)

#define luai_likely(x)	(__builtin_expect(((x) != 0), 1))
#define luai_unlikely(x) \
  (wc_deadline_spend(wc_deadline_pattern_step_units), __builtin_expect(((x) != 0), 0))
