// torch.distributed over c10d (ProcessGroupGloo, TCPStore): the group, its collectives and
// its store, each blocking part run on Node's thread pool behind a Promise.
#pragma once
#include <napi.h>

namespace fts {
Napi::Value dist_available(const Napi::CallbackInfo& info);
Napi::Value dist_init(const Napi::CallbackInfo& info);
Napi::Value dist_destroy(const Napi::CallbackInfo& info);
Napi::Value dist_all_reduce(const Napi::CallbackInfo& info);
Napi::Value dist_broadcast(const Napi::CallbackInfo& info);
Napi::Value dist_all_gather(const Napi::CallbackInfo& info);
Napi::Value dist_barrier(const Napi::CallbackInfo& info);
Napi::Value dist_store(const Napi::CallbackInfo& info);
}  // namespace fts
