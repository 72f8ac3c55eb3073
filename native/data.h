#pragma once
#include <napi.h>

namespace fts {
Napi::Value from_data(const Napi::CallbackInfo& info);
Napi::Value to_data(const Napi::CallbackInfo& info);
Napi::Value data_view(const Napi::CallbackInfo& info);
Napi::Value shape(const Napi::CallbackInfo& info);
Napi::Value strides(const Napi::CallbackInfo& info);
Napi::Value dtype(const Napi::CallbackInfo& info);
Napi::Value device(const Napi::CallbackInfo& info);
Napi::Value numel(const Napi::CallbackInfo& info);
Napi::Value dim(const Napi::CallbackInfo& info);
Napi::Value is_contiguous(const Napi::CallbackInfo& info);
Napi::Value is_channels_last(const Napi::CallbackInfo& info);
Napi::Value data_ptr(const Napi::CallbackInfo& info);
Napi::Value dispose_handle(const Napi::CallbackInfo& info);
Napi::Value is_disposed(const Napi::CallbackInfo& info);
Napi::Value memory(const Napi::CallbackInfo& info);
}  // namespace fts
