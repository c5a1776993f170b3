/* Peer harness: dpkg's own C version comparison (libdpkg-dev) over the same pairs file the
 * Rust harness reads ("A\tB" per line). Parses every version first (not timed), then times
 * dpkg_version_compare over all pairs, and also parse+compare from strings. */
#define LIBDPKG_VOLATILE_API 1
#include <dpkg/dpkg.h>
#include <dpkg/dpkg-db.h>
#include <dpkg/version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: robust on a loaded machine */
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s PAIRS\n", argv[0]); return 2; }
  FILE *f = fopen(argv[1], "r");
  if (!f) { perror(argv[1]); return 2; }
  size_t cap = 1 << 20, n = 0;
  char **a = malloc(cap * sizeof *a), **b = malloc(cap * sizeof *b);
  char *line = NULL; size_t lcap = 0; ssize_t len;
  while ((len = getline(&line, &lcap, f)) > 0) {
    if (line[len - 1] == '\n') line[--len] = 0;
    char *tab = strchr(line, '\t');
    if (!tab) continue;
    *tab = 0;
    if (n == cap) { cap *= 2; a = realloc(a, cap * sizeof *a); b = realloc(b, cap * sizeof *b); }
    a[n] = strdup(line); b[n] = strdup(tab + 1); n++;
  }
  struct dpkg_version *va = malloc(n * sizeof *va), *vb = malloc(n * sizeof *vb);
  struct dpkg_error err;
  for (size_t i = 0; i < n; i++) {
    if (parseversion(&va[i], a[i], &err) < 0 && err.type == DPKG_MSG_ERROR) return 3;
    if (parseversion(&vb[i], b[i], &err) < 0 && err.type == DPKG_MSG_ERROR) return 3;
  }
  long sum = 0;
  double t0 = now();
  for (size_t i = 0; i < n; i++) {
    int r = dpkg_version_compare(&va[i], &vb[i]);
    sum += (r > 0) - (r < 0);
  }
  double t1 = now();
  long sum2 = 0;
  double t2 = now();
  for (size_t i = 0; i < n; i++) {
    struct dpkg_version x, y;
    parseversion(&x, a[i], &err);
    parseversion(&y, b[i], &err);
    int r = dpkg_version_compare(&x, &y);
    sum2 += (r > 0) - (r < 0);
  }
  double t3 = now();
  printf("dpkg compare_parsed pairs=%zu ms=%.3f checksum=%ld\n", n, (t1 - t0) * 1e3, sum);
  printf("dpkg parse_and_compare pairs=%zu ms=%.3f checksum=%ld\n", n, (t3 - t2) * 1e3, sum2);
  return 0;
}
