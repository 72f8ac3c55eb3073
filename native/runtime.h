#pragma once
#include <napi.h>

namespace fts {
Napi::Value manual_seed(const Napi::CallbackInfo& info);
Napi::Value initial_seed(const Napi::CallbackInfo& info);
Napi::Value set_num_threads(const Napi::CallbackInfo& info);
Napi::Value get_num_threads(const Napi::CallbackInfo& info);
Napi::Value cuda_is_available(const Napi::CallbackInfo& info);
Napi::Value cuda_device_count(const Napi::CallbackInfo& info);
Napi::Value cuda_synchronize(const Napi::CallbackInfo& info);
Napi::Value version(const Napi::CallbackInfo& info);
Napi::Value config(const Napi::CallbackInfo& info);
}  // namespace fts
