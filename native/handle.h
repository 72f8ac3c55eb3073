// Tensor handles: how an at::Tensor lives inside a JavaScript value.
//
// A handle is a Napi::External owning a heap-allocated TensorBox. dispose()
// frees the tensor at once; the External's finalizer is the safety net when
// JavaScript drops a handle without disposing it.
//
// Native memory is reported to V8 (so the garbage collector sees it) and to
// torch.memory() once per storage, not per handle: a storage's bytes are
// reported when the first live handle to it is made and released when the last
// one goes, so views (view, expand, select, narrow, detach) cost nothing.
#pragma once

#include <ATen/ATen.h>
#include <napi.h>

#include <string>

#include "errors.h"

namespace fts {

struct TensorBox {
  at::Tensor tensor;
  // The storage this handle is counted under (nullptr for tensors without storage). Kept
  // separately because set_ can swap a tensor's storage in place: release must find what
  // was counted, not what the tensor holds now.
  c10::StorageImpl* storage = nullptr;
  // With a storage: its size when this box was counted (to notice growth). Without one
  // (sparse, mkldnn): the bytes this box reported on its own.
  int64_t bytes = 0;
};

// Wraps a tensor in a new handle (an undefined tensor becomes null).
Napi::Value wrap(Napi::Env env, at::Tensor tensor);

// The tensor behind a handle; throws a JavaScript error naming `what` when the
// value is not a handle or its tensor was disposed.
const at::Tensor& unwrap(const Napi::Value& value, const char* what);
TensorBox* box_of(const Napi::Value& value, const char* what);

// The box behind a handle, or nullptr when the value is not a handle (no message is built:
// for hot paths that report their own errors).
inline TensorBox* try_box(const Napi::Value& value) {
  return value.IsExternal() ? value.As<Napi::External<TensorBox>>().Data() : nullptr;
}

// The error text for using a disposed tensor, prefixed by `what`.
std::string disposed_message(const std::string& what);

// Frees the tensor of a handle now (idempotent).
void dispose(Napi::Env env, TensorBox* box);

// Recounts a handle whose tensor may have changed storage in place (set_data, set_, a
// resize_ that grew it), so the new storage is reported and the old one released.
void refresh(Napi::Env env, TensorBox* box);

// Live handles, and the bytes of the distinct storages they refer to.
int64_t live_tensors();
int64_t live_bytes();

at::ScalarType dtype_from_code(int code);
int code_from_dtype(at::ScalarType type);

}  // namespace fts
