// Module registration: the names JavaScript sees (src/torch/native.ts types them).
#include <napi.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "autocast.h"
#include "cpu-allocator.h"
#include "autograd.h"
#include "data.h"
#include "distributed.h"
#include "errors.h"
#include "ops.h"
#include "runtime.h"

namespace {

// Training allocates and frees the same large activation buffers every step. glibc serves
// blocks over its mmap threshold with fresh mmaps, so each step page-faults (and zeroes) every
// activation again: about 50,000 faults and 8% of a ResNet-18 step at 128 px here. Keeping
// freed memory in the heap for reuse removes that; RSS then stays at the peak of a step.
// Memory kept that way is never returned, so every malloc arena keeps its own peak. glibc
// makes up to 8 arenas per core as threads come and go (libuv's pool, libvips' and OpenMP's
// threads), and a long data-loading run kept adding arenas: RSS rose 28% from epoch 10 to 50
// (bench/soak, docs/decoding.md). Two arenas hold it flat. Blocks of 1 MiB or more do not come
// from malloc at all but from the engine's block cache (cpu-allocator.cc), which keeps them
// out of the heap, where small long-lived allocations fragmented around them.
// FASTAI_TS_MALLOC=system keeps glibc's defaults and libtorch's own allocator; an arena_max in
// GLIBC_TUNABLES is left to apply.
void tune_malloc() {
#if defined(__GLIBC__)
  const char* choice = std::getenv("FASTAI_TS_MALLOC");
  if (choice && std::string(choice) == "system") return;
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (!tunables || !std::strstr(tunables, "arena_max")) mallopt(M_ARENA_MAX, 2);
#endif
}

// Every entry point runs inside guarded(): no C++ exception (libtorch's, the standard library's
// or anyone's) may reach Node-API, where it would call std::terminate.
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
Napi::Value entry(const Napi::CallbackInfo& info) {
  return fts::guarded(info.Env(), [&] { return Fn(info); });
}

Napi::Value cpu_cache_release(const Napi::CallbackInfo& info) {
  fts::cpu_cache_release();
  return info.Env().Undefined();
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  tune_malloc();
  const char* malloc_choice = std::getenv("FASTAI_TS_MALLOC");
  if (!malloc_choice || std::string(malloc_choice) != "system") fts::install_cpu_allocator();
  struct Entry {
    const char* name;
    Napi::Value (*fn)(const Napi::CallbackInfo&);
  };
  const Entry entries[] = {
      {"opLookup", entry<fts::op_lookup>},         {"opCall", entry<fts::op_call>},
      {"opCallVoid", entry<fts::op_call_void>},    {"opSchema", entry<fts::op_schema>},
      {"fromData", entry<fts::from_data>},         {"toData", entry<fts::to_data>},
      {"dataView", entry<fts::data_view>},         {"shape", entry<fts::shape>},
      {"strides", entry<fts::strides>},            {"dtype", entry<fts::dtype>},
      {"device", entry<fts::device>},              {"numel", entry<fts::numel>},
      {"dim", entry<fts::dim>},                    {"isContiguous", entry<fts::is_contiguous>},
      {"isChannelsLast", entry<fts::is_channels_last>},
      {"dataPtr", entry<fts::data_ptr>},           {"dispose", entry<fts::dispose_handle>},
      {"isDisposed", entry<fts::is_disposed>},     {"memory", entry<fts::memory>},
      {"cpuCacheRelease", entry<cpu_cache_release>},
      {"backward", entry<fts::backward>},          {"grad", entry<fts::grad>},
      {"setGrad", entry<fts::set_grad>},           {"requiresGrad", entry<fts::requires_grad>},
      {"setRequiresGrad", entry<fts::set_requires_grad>},
      {"isLeaf", entry<fts::is_leaf>},             {"gradFn", entry<fts::grad_fn>},
      {"setGradEnabled", entry<fts::set_grad_enabled>},
      {"isGradEnabled", entry<fts::is_grad_enabled>},
      {"autocastEnter", entry<fts::autocast_enter>},
      {"autocastExit", entry<fts::autocast_exit>}, {"isAutocastEnabled", entry<fts::is_autocast_enabled>},
      {"manualSeed", entry<fts::manual_seed>},     {"initialSeed", entry<fts::initial_seed>},
      {"setNumThreads", entry<fts::set_num_threads>},
      {"getNumThreads", entry<fts::get_num_threads>},
      {"cudaIsAvailable", entry<fts::cuda_is_available>},
      {"cudaDeviceCount", entry<fts::cuda_device_count>},
      {"cudaSynchronize", entry<fts::cuda_synchronize>},
      {"distAvailable", entry<fts::dist_available>}, {"distInit", entry<fts::dist_init>},
      {"distDestroy", entry<fts::dist_destroy>},   {"distAllReduce", entry<fts::dist_all_reduce>},
      {"distBroadcast", entry<fts::dist_broadcast>}, {"distAllGather", entry<fts::dist_all_gather>},
      {"distBarrier", entry<fts::dist_barrier>},   {"distStore", entry<fts::dist_store>},
      {"version", entry<fts::version>},            {"config", entry<fts::config>},
  };
  for (const auto& e : entries) exports.Set(e.name, Napi::Function::New(env, e.fn, e.name));
  return exports;
}

}  // namespace

NODE_API_MODULE(fastai_ts, init)
