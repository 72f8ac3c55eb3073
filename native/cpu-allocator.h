// A CPU allocator for libtorch that keeps large freed blocks for reuse (see cpu-allocator.cc).
#pragma once

#include <cstdint>

namespace fts {

// Makes libtorch allocate CPU tensors through the block cache. Call once, at load.
void install_cpu_allocator();

struct CpuCacheStats {
  int64_t cached_bytes;  // freed large blocks kept for reuse
  int64_t live_bytes;    // large blocks in use
  int64_t limit_bytes;   // the most the cache keeps now
};
CpuCacheStats cpu_cache_stats();

// Returns every cached block to the system (e.g. between phases of a long run).
void cpu_cache_release();

}  // namespace fts
