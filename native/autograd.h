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
}  // namespace fts
