// Large CPU tensor blocks: mapped on their own and kept for reuse.
//
// Why: a training step allocates and frees the same large activation buffers every step. Left
// to malloc, they either come back as fresh mmaps each step (a page fault per 4 KiB, about 8% of
// a ResNet-18 step) or, kept in malloc's heap, share it with small long-lived allocations (file
// bytes and pixel buffers waiting for the garbage collector), which fragment it: a data-loading
// run's RSS then climbed 18% from epoch 10 to epoch 50 (bench/soak). Here blocks of 1 MiB or
// more get their own mapping, and a freed one waits in a cache for the next request of its size
// class, so steady-state steps neither fault nor grow the heap. The cache keeps at most as many
// free bytes as were ever live at once plus 256 MiB, oldest freed released first, so RSS stays
// within twice the peak working set plus 256 MiB. (With a limit of exactly the peak, blocks the
// loader and the validation phase free between training steps pushed the step's own blocks out:
// fine-tuning with the real loader page-faulted 8x as often.) Smaller blocks go to libtorch's default allocator.
//
// Written here because libtorch 1.13 has no such CPU allocator (its CPUCachingAllocator is for
// mobile, scoped by a guard); the c10::Allocator interface is the supported way to add one.
#include "cpu-allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <list>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace fts {
namespace {

constexpr size_t kLarge = size_t{1} << 20;
constexpr size_t kHeadroom = size_t{256} << 20;  // free bytes kept beyond the peak

// Sizes round up to 1/8 of their power of two (at most 12.5% more), so nearby sizes share blocks.
size_t size_class(size_t n) {
  size_t p = 1;
  while ((p << 1) <= n) p <<= 1;
  size_t step = std::max<size_t>(p / 8, 4096);
  return (n + step - 1) / step * step;
}

struct Block {
  void* ptr;
  size_t size;  // the size class: what was mapped
};

// The fallback's deleter, for the blocks it made (set once, at install).
c10::DeleterFnPtr g_fallback_delete = nullptr;

class BlockCache {
 public:
  void* take(size_t size) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(size);
      if (it != free_.end() && !it->second.empty()) {
        auto node = it->second.back();  // the most recently freed: likeliest still in the CPU's caches
        it->second.pop_back();
        void* p = node->ptr;
        order_.erase(node);
        cached_ -= size;
        note_live(p, size);
        return p;
      }
    }
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      release_all();  // what the cache holds may be what is missing; try once more
      p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) return nullptr;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    note_live(p, size);
    return p;
  }

  // Takes back a block this cache made; false when `p` is not one of them.
  bool give(void* p) {
    std::vector<Block> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto live = live_blocks_.find(p);
      if (live == live_blocks_.end()) return false;
      size_t size = live->second;
      live_blocks_.erase(live);
      live_ -= size;
      order_.push_back({p, size});
      free_[size].push_back(std::prev(order_.end()));
      cached_ += size;
      while (cached_ > limit() && !order_.empty()) {
        Block oldest = order_.front();
        auto& same = free_[oldest.size];
        same.erase(same.begin());  // the oldest of its class is first: blocks are pushed in free order
        order_.pop_front();
        cached_ -= oldest.size;
        evicted.push_back(oldest);
      }
    }
    for (const Block& b : evicted) munmap(b.ptr, b.size);
    return true;
  }

  void release_all() {
    std::list<Block> all;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      all.swap(order_);
      free_.clear();
      cached_ = 0;
    }
    for (const Block& b : all) munmap(b.ptr, b.size);
  }

  CpuCacheStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {static_cast<int64_t>(cached_), static_cast<int64_t>(live_), static_cast<int64_t>(limit())};
  }

 private:
  size_t limit() const { return peak_ + kHeadroom; }
  void note_live(void* p, size_t size) {
    live_blocks_.emplace(p, size);
    live_ += size;
    peak_ = std::max(peak_, live_);
  }

  std::mutex mutex_;
  std::list<Block> order_;  // free blocks, oldest freed first
  std::unordered_map<size_t, std::vector<std::list<Block>::iterator>> free_;
  std::unordered_map<void*, size_t> live_blocks_;  // blocks in use, by address: their size class
  size_t cached_ = 0, live_ = 0, peak_ = 0;
};

// Never destroyed: tensors may be freed during process exit, after static destructors ran.
BlockCache& cache() {
  static auto* c = new BlockCache();
  return *c;
}

// One deleter for every block, as libtorch's raw interface (used by oneDNN) requires.
void release(void* p) {
  if (!cache().give(p)) g_fallback_delete(p);
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  explicit CachingCpuAllocator(c10::Allocator* fallback) : fallback_(fallback) {}

  // libtorch 2.3 made allocate() non-const and added copy_data(); neither is marked override so
  // one class builds against 1.13 and 2.x (whichever the base declares is the one overridden).
  c10::DataPtr allocate(size_t n) const { return make(n); }
  c10::DataPtr allocate(size_t n) { return make(n); }
  void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }

 private:
  c10::DataPtr make(size_t n) const {
    const c10::Device cpu(c10::DeviceType::CPU);
    if (n >= kLarge) {
      if (void* p = cache().take(size_class(n))) return {p, p, &release, cpu};
    }
    // Small, or the mapping failed: libtorch's own allocator (and its out-of-memory error),
    // under our deleter so that every block has the same one.
    c10::DataPtr d = fallback_->allocate(n);
    void* p = d.get();
    if (!p || d.get_context() != p) return d;  // not a plain block: keep its own deleter
    d.release_context();
    return {p, p, &release, cpu};
  }

  c10::Allocator* fallback_;
};

}  // namespace

void install_cpu_allocator() {
  c10::Allocator* fallback = c10::GetDefaultCPUAllocator();
  g_fallback_delete = fallback->raw_deleter();
  if (!g_fallback_delete) return;  // a default allocator without a raw deleter: leave it alone
  static CachingCpuAllocator allocator(fallback);
  c10::SetCPUAllocator(&allocator, /*priority=*/1);
}

CpuCacheStats cpu_cache_stats() { return cache().stats(); }

void cpu_cache_release() { cache().release_all(); }

}  // namespace fts
