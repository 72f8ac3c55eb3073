#pragma once
#include <napi.h>

namespace fts {
Napi::Value autocast_enter(const Napi::CallbackInfo& info);
Napi::Value autocast_exit(const Napi::CallbackInfo& info);
Napi::Value is_autocast_enabled(const Napi::CallbackInfo& info);
}  // namespace fts
