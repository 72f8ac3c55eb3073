#pragma once
#include <napi.h>

namespace fts {
// opLookup(name, overload) -> id; opCall(id, ...args) -> result(s); opCallVoid drops results
// (in-place ops whose result JavaScript already holds); opSchema(id) -> schema text.
Napi::Value op_lookup(const Napi::CallbackInfo& info);
Napi::Value op_call(const Napi::CallbackInfo& info);
Napi::Value op_call_void(const Napi::CallbackInfo& info);
Napi::Value op_schema(const Napi::CallbackInfo& info);
}  // namespace fts
