#pragma once
#include <napi.h>

namespace fts {
Napi::Value backward(const Napi::CallbackInfo& info);
Napi::Value grad(const Napi::CallbackInfo& info);
Napi::Value set_grad(const Napi::CallbackInfo& info);
Napi::Value requires_grad(const Napi::CallbackInfo& info);
Napi::Value set_requires_grad(const Napi::CallbackInfo& info);
Napi::Value is_leaf(const Napi::CallbackInfo& info);
Napi::Value grad_fn(const Napi::CallbackInfo& info);
Napi::Value set_grad_enabled(const Napi::CallbackInfo& info);
Napi::Value is_grad_enabled(const Napi::CallbackInfo& info);
Napi::Value autocast_enter(const Napi::CallbackInfo& info);
Napi::Value autocast_exit(const Napi::CallbackInfo& info);
Napi::Value is_autocast_enabled(const Napi::CallbackInfo& info);
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
