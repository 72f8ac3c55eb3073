// Module registration: the names JavaScript sees (src/torch/native.ts types them).
#include <napi.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "data.h"
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
// (bench/soak, docs/decoding.md). Two arenas hold it flat. FASTAI_TS_MALLOC=system keeps
// glibc's defaults; an arena_max in GLIBC_TUNABLES is left to apply.
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

Napi::Object init(Napi::Env env, Napi::Object exports) {
  tune_malloc();
  struct Entry {
    const char* name;
    Napi::Value (*fn)(const Napi::CallbackInfo&);
  };
  const Entry entries[] = {
      {"opLookup", fts::op_lookup},         {"opCall", fts::op_call},
      {"opCallVoid", fts::op_call_void},    {"opSchema", fts::op_schema},
      {"fromData", fts::from_data},         {"toData", fts::to_data},
      {"dataView", fts::data_view},         {"shape", fts::shape},
      {"strides", fts::strides},            {"dtype", fts::dtype},
      {"device", fts::device},              {"numel", fts::numel},
      {"dim", fts::dim},                    {"isContiguous", fts::is_contiguous},
      {"isChannelsLast", fts::is_channels_last},
      {"dataPtr", fts::data_ptr},           {"dispose", fts::dispose_handle},
      {"isDisposed", fts::is_disposed},     {"memory", fts::memory},
      {"backward", fts::backward},          {"grad", fts::grad},
      {"setGrad", fts::set_grad},           {"requiresGrad", fts::requires_grad},
      {"setRequiresGrad", fts::set_requires_grad},
      {"isLeaf", fts::is_leaf},             {"gradFn", fts::grad_fn},
      {"setGradEnabled", fts::set_grad_enabled},
      {"isGradEnabled", fts::is_grad_enabled},
      {"autocastEnter", fts::autocast_enter},
      {"autocastExit", fts::autocast_exit}, {"isAutocastEnabled", fts::is_autocast_enabled},
      {"manualSeed", fts::manual_seed},     {"initialSeed", fts::initial_seed},
      {"setNumThreads", fts::set_num_threads},
      {"getNumThreads", fts::get_num_threads},
      {"cudaIsAvailable", fts::cuda_is_available},
      {"cudaDeviceCount", fts::cuda_device_count},
      {"cudaSynchronize", fts::cuda_synchronize},
      {"version", fts::version},            {"config", fts::config},
  };
  for (const auto& e : entries) exports.Set(e.name, Napi::Function::New(env, e.fn, e.name));
  return exports;
}

}  // namespace

NODE_API_MODULE(fastai_ts, init)
