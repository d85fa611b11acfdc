// Process memory probes (Linux /proc). RSS and peak RSS per stage; the peak
// can be reset so that a stage's peak does not include an earlier stage's
// model (the BLIP stage must show CLIP's weights are gone).
#ifndef PHOTOIDX_CORE_METRICS_MEMORY_H_
#define PHOTOIDX_CORE_METRICS_MEMORY_H_

#include <cstdint>
#include <functional>

namespace photoidx::metrics {

struct ProcessMemory {
  int64_t rss_bytes = 0;       // VmRSS
  int64_t peak_rss_bytes = 0;  // VmHWM since start or the last ResetPeakRss()
};

ProcessMemory ReadProcessMemory();

// Resets the kernel's peak RSS counter (writes 5 to /proc/self/clear_refs).
// Returns false where the kernel does not allow it.
bool ResetPeakRss();

// Hands the heap's free pages back to the kernel (glibc malloc_trim): after
// a model is destroyed its ~1 GB of freed weights and activations otherwise
// stay in the process's RSS, and the next stage's memory line would still
// count them. A no-op without glibc.
void ReturnFreeMemoryToOs();

// Tunes glibc malloc for model activations, for the rest of the process:
// allocations up to 32 MB (glibc's largest setting) come from the heap
// instead of fresh mmaps, and freed memory stays in the heap for the next
// layer instead of being returned after each free. Without this, every
// layer's multi-megabyte tensors were mmapped anew and the kernel zeroed
// each page on first touch: 13% of a BLIP caption on the CPU (perf). Memory
// goes back to the kernel at ReturnFreeMemoryToOs(), after each model.
// A no-op without glibc.
void KeepFreedMemoryForReuse();

// CUDA caching-allocator figures; available=false on CPU-only builds.
struct AcceleratorMemory {
  bool available = false;
  int64_t allocated_bytes = 0;
  int64_t reserved_bytes = 0;
  int64_t peak_allocated_bytes = 0;
};

// Set once by the CLI when a model backend with an accelerator is linked
// (keeps torch out of this module).
using AcceleratorProbe = std::function<AcceleratorMemory()>;
void SetAcceleratorProbe(AcceleratorProbe probe);
AcceleratorMemory ReadAcceleratorMemory();

}  // namespace photoidx::metrics

#endif  // PHOTOIDX_CORE_METRICS_MEMORY_H_
