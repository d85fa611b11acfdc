// PHOTOIDX_CHECK: aborts on a broken invariant (a bug), never on bad input.
#ifndef PHOTOIDX_CORE_BASE_CHECK_H_
#define PHOTOIDX_CORE_BASE_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define PHOTOIDX_CHECK(cond)                                                  \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "photoidx: check failed at %s:%d: %s\n", __FILE__, \
                   __LINE__, #cond);                                          \
      std::abort();                                                           \
    }                                                                         \
  } while (0)

#endif  // PHOTOIDX_CORE_BASE_CHECK_H_
