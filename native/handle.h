// Tensor handles: how an at::Tensor lives inside a JavaScript value.
//
// A handle is a Napi::External owning a heap-allocated TensorBox. dispose()
// frees the tensor at once; the External's finalizer is the safety net when
// JavaScript drops a handle without disposing it. Every live box's byte size is
// reported to V8 so the garbage collector sees native memory.
#pragma once

#include <ATen/ATen.h>
#include <napi.h>

#include <string>

namespace fts {

struct TensorBox {
  at::Tensor tensor;
  int64_t bytes = 0;  // what was reported to V8 for this box
};

// Wraps a tensor in a new handle (an undefined tensor becomes null).
Napi::Value wrap(Napi::Env env, at::Tensor tensor);

// The tensor behind a handle; throws a JavaScript error naming `what` when the
// value is not a handle or its tensor was disposed.
const at::Tensor& unwrap(const Napi::Value& value, const char* what);
TensorBox* box_of(const Napi::Value& value, const char* what);

// Frees the tensor of a handle now (idempotent).
void dispose(Napi::Env env, TensorBox* box);

int64_t live_tensors();
int64_t live_bytes();

// Runs `body`, turning libtorch and C++ exceptions into JavaScript errors that
// carry libtorch's own message (without its C++ backtrace).
template <typename F>
auto guarded(Napi::Env env, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

at::ScalarType dtype_from_code(int code);
int code_from_dtype(at::ScalarType type);

}  // namespace fts
