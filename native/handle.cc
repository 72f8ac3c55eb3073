#include "handle.h"

#include <atomic>

namespace fts {

namespace {
std::atomic<int64_t> g_live{0};
std::atomic<int64_t> g_bytes{0};

int64_t nbytes(const at::Tensor& t) {
  return t.defined() ? static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size()) : 0;
}

void finalize(Napi::Env env, TensorBox* box) {
  dispose(env, box);
  delete box;
}
}  // namespace

Napi::Value wrap(Napi::Env env, at::Tensor tensor) {
  if (!tensor.defined()) return env.Null();
  auto* box = new TensorBox{std::move(tensor), 0};
  box->bytes = nbytes(box->tensor);
  g_live++;
  g_bytes += box->bytes;
  if (box->bytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, box->bytes);
  return Napi::External<TensorBox>::New(env, box, finalize);
}

TensorBox* box_of(const Napi::Value& value, const char* what) {
  if (!value.IsExternal()) {
    throw Napi::TypeError::New(value.Env(), std::string(what) + ": expected a Tensor");
  }
  return value.As<Napi::External<TensorBox>>().Data();
}

const at::Tensor& unwrap(const Napi::Value& value, const char* what) {
  TensorBox* box = box_of(value, what);
  if (!box->tensor.defined()) {
    throw Napi::Error::New(
        value.Env(),
        std::string(what) +
            ": this tensor was disposed (by dispose() or by the tidy() scope that created it) and "
            "cannot be used again. Return it from tidy(), or call torch.keep(t), to keep it.");
  }
  return box->tensor;
}

void dispose(Napi::Env env, TensorBox* box) {
  if (!box->tensor.defined()) return;
  box->tensor.reset();
  g_live--;
  g_bytes -= box->bytes;
  if (box->bytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, -box->bytes);
  box->bytes = 0;
}

int64_t live_tensors() { return g_live.load(); }
int64_t live_bytes() { return g_bytes.load(); }

// Codes are c10::ScalarType's own numbering, mirrored in src/torch/dtype.ts.
at::ScalarType dtype_from_code(int code) {
  if (code < 0 || code >= static_cast<int>(at::ScalarType::NumOptions)) {
    throw std::invalid_argument("unknown dtype code " + std::to_string(code));
  }
  return static_cast<at::ScalarType>(code);
}

int code_from_dtype(at::ScalarType type) { return static_cast<int>(type); }

}  // namespace fts
