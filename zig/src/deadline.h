/*
** The eval's wall-clock deadline, asked of the host (ABI §7, js_deadline).
** Forced into every Lua C file through sandbox.h. The VM asks at the end of
** every slice of the instruction budget; within one VM instruction, C code
** can still run long (a pattern that backtracks, table.move over 2^62
** absent keys, a long string compared again and again), so that code
** charges a work counter here, and the host is asked when it runs out.
** A unit is about one step of such a loop, or 4 KiB of data it may touch.
*/
#ifndef wc_deadline_h
#define wc_deadline_h

#include <stddef.h>
#include <string.h>

/* sandbox.zig: the units left before the next call of js_deadline, and
** the call (which sets the counter back to its full 2^16 units). */
extern long long wc_deadline_units;
void wc_deadline_check(void);

#define wc_deadline_spend(units) \
  ((wc_deadline_units -= (long long)(units)) < 0 ? wc_deadline_check() : (void)0)

/* A step that may touch 'n' bytes. */
#define wc_deadline_bytes(n)	wc_deadline_spend(1 + ((size_t)(n) >> 12))

/* A string argument the function scans (lutf8lib, see build.zig): charged
** by its length once it is known. luaL_checkstring passes no length. */
static inline const char *wc_deadline_string (const char *s, const size_t *l) {
  wc_deadline_bytes(l != NULL ? *l : 0);
  return s;
}

/* The byte loops of the C library: plain string.find (memchr, memcmp),
** back-references, long strings compared for equality or order. */
static inline int wc_deadline_memcmp (const void *a, const void *b, size_t n) {
  wc_deadline_bytes(n);
  return memcmp(a, b, n);
}

static inline void *wc_deadline_memchr (const void *s, int c, size_t n) {
  wc_deadline_bytes(n);
  return memchr(s, c, n);
}

/* strcoll in the sandbox's only locale, "C", is strcmp (Zig's libc, as
** glibc's "C"): compared here in one pass that charges for the bytes it
** scans, rather than a strlen for the charge and a strcmp after it. */
static inline int wc_deadline_strcoll (const char *a, const char *b) {
  size_t i = 0;
  while (a[i] == b[i] && a[i] != '\0') i++;
  wc_deadline_bytes(i);
  return (int)(unsigned char)a[i] - (int)(unsigned char)b[i];
}

#define memcmp(a,b,n)	wc_deadline_memcmp((a), (b), (n))
#define memchr(s,c,n)	wc_deadline_memchr((s), (c), (n))
#define strcoll(a,b)	wc_deadline_strcoll((a), (b))

#endif
