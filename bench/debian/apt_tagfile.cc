// Peer harness: apt's own C++ pkgTagFile/pkgTagSection (libapt-pkg-dev) over the same
// decompressed Packages file, reading the same fields the Rust harness extracts.
#include <apt-pkg/fileutl.h>
#include <apt-pkg/tagfile.h>
#include <chrono>
#include <cstdio>
#include <string_view>

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s Packages\n", argv[0]); return 2; }
  auto t0 = std::chrono::steady_clock::now();
  FileFd fd(argv[1], FileFd::ReadOnly);
  pkgTagFile tf(&fd);
  pkgTagSection s;
  const char *fields[] = {"Package", "Version", "Architecture", "Depends", "Pre-Depends",
                          "Recommends", "Suggests", "Breaks", "Conflicts", "Provides",
                          "Replaces", "Enhances"};
  size_t n = 0, bytes = 0;
  while (tf.Step(s)) {
    for (const char *name : fields) {
      const char *start, *end;
      if (s.Find(name, start, end)) bytes += end - start;
    }
    n++;
  }
  auto t1 = std::chrono::steady_clock::now();
  printf("apt-tagfile stanzas=%zu field_bytes=%zu ms=%.3f\n", n, bytes,
         std::chrono::duration<double, std::milli>(t1 - t0).count());
  return 0;
}
