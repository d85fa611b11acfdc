#include "core/metrics/memory.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>

namespace photoidx::metrics {
namespace {

std::mutex g_probe_mu;
AcceleratorProbe g_probe;

}  // namespace

void ReturnFreeMemoryToOs() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

void KeepFreedMemoryForReuse() {
#if defined(__GLIBC__)
  constexpr int kLargestHeapAllocation = 32 << 20;  // HEAP_MAX_SIZE / 2 on 64-bit glibc
  mallopt(M_MMAP_THRESHOLD, kLargestHeapAllocation);
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
#endif
}

ProcessMemory ReadProcessMemory() {
  ProcessMemory m;
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return m;
  char line[256];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    long long kb = 0;
    if (std::sscanf(line, "VmRSS: %lld kB", &kb) == 1) m.rss_bytes = kb * 1024;
    if (std::sscanf(line, "VmHWM: %lld kB", &kb) == 1) m.peak_rss_bytes = kb * 1024;
  }
  std::fclose(f);
  return m;
}

bool ResetPeakRss() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return false;
  bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

void SetAcceleratorProbe(AcceleratorProbe probe) {
  std::lock_guard<std::mutex> lock(g_probe_mu);
  g_probe = std::move(probe);
}

AcceleratorMemory ReadAcceleratorMemory() {
  std::lock_guard<std::mutex> lock(g_probe_mu);
  return g_probe ? g_probe() : AcceleratorMemory{};
}

}  // namespace photoidx::metrics
