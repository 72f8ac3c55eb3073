// Autograd, grad mode, autocast, random seeds, threads and devices.
#include "runtime.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "handle.h"

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define FTS_AUTOCAST_BY_DEVICE 1  // 2.4 replaced the per-device setters with (device_type, ...) ones
#endif

namespace fts {

// backward(t, grad | null, retainGraph, createGraph)
Napi::Value backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const at::Tensor& t = unwrap(info[0], "backward");
    at::Tensor grad;
    if (info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined()) grad = unwrap(info[1], "backward: gradient");
    bool retain = info.Length() > 2 && info[2].ToBoolean().Value();
    bool create = info.Length() > 3 && info[3].ToBoolean().Value();
    if (!t.requires_grad()) {
      throw Napi::Error::New(env, "backward: this tensor does not require grad and has no grad_fn; "
                                  "set requiresGrad on the leaf tensors (or module parameters) it was computed from");
    }
    t.backward(grad, retain, create);
    return env.Undefined();
  });
}

Napi::Value grad(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() { return wrap(info.Env(), unwrap(info[0], "grad").grad()); });
}

// setGrad(t, g | null): null frees the gradient (PyTorch's `p.grad = None`).
Napi::Value set_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    at::Tensor t = unwrap(info[0], "setGrad");
    if (info[1].IsNull() || info[1].IsUndefined()) {
      t.mutable_grad().reset();
    } else {
      t.mutable_grad() = unwrap(info[1], "setGrad: gradient");
    }
    return env.Undefined();
  });
}

Napi::Value requires_grad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrap(info[0], "requiresGrad").requires_grad());
}

Napi::Value set_requires_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    at::Tensor t = unwrap(info[0], "requiresGrad_");
    t.set_requires_grad(info[1].ToBoolean().Value());
    return env.Undefined();
  });
}

Napi::Value is_leaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrap(info[0], "isLeaf").is_leaf());
}

Napi::Value grad_fn(const Napi::CallbackInfo& info) {
  const at::Tensor& t = unwrap(info[0], "gradFn");
  const auto& fn = t.grad_fn();
  if (!fn) return info.Env().Null();
  return Napi::String::New(info.Env(), fn->name());
}

// setGradEnabled(bool) -> previous
Napi::Value set_grad_enabled(const Napi::CallbackInfo& info) {
  bool prev = at::GradMode::is_enabled();
  at::GradMode::set_enabled(info[0].ToBoolean().Value());
  return Napi::Boolean::New(info.Env(), prev);
}

Napi::Value is_grad_enabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled());
}

namespace {
c10::DeviceType autocast_device(Napi::Env env, const std::string& name) {
  if (name == "cpu") return c10::DeviceType::CPU;
  if (name == "cuda") return c10::DeviceType::CUDA;
  throw Napi::Error::New(env, "autocast: deviceType must be 'cpu' or 'cuda', not '" + name + "'");
}

bool autocast_enabled(c10::DeviceType d) {
#ifdef FTS_AUTOCAST_BY_DEVICE
  return at::autocast::is_autocast_enabled(d);
#else
  return d == c10::DeviceType::CPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
#endif
}

void set_autocast_enabled(c10::DeviceType d, bool on) {
#ifdef FTS_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_enabled(d, on);
#else
  if (d == c10::DeviceType::CPU) at::autocast::set_cpu_enabled(on); else at::autocast::set_enabled(on);
#endif
}

at::ScalarType autocast_dtype(c10::DeviceType d) {
#ifdef FTS_AUTOCAST_BY_DEVICE
  return at::autocast::get_autocast_dtype(d);
#else
  return d == c10::DeviceType::CPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
#endif
}

void set_autocast_dtype(c10::DeviceType d, at::ScalarType t) {
#ifdef FTS_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_dtype(d, t);
#else
  if (d == c10::DeviceType::CPU) at::autocast::set_autocast_cpu_dtype(t); else at::autocast::set_autocast_gpu_dtype(t);
#endif
}
}  // namespace

// autocastEnter(deviceType, dtypeCode, enabled) -> [prevEnabled, prevDtypeCode]
// The 1.13 C++ API has no guard object, so JavaScript restores the state with autocastExit.
Napi::Value autocast_enter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto d = autocast_device(env, info[0].As<Napi::String>().Utf8Value());
    auto dtype = dtype_from_code(info[1].As<Napi::Number>().Int32Value());
    bool enabled = info[2].ToBoolean().Value();
    auto prev = Napi::Array::New(env, 2);
    prev.Set(0u, autocast_enabled(d));
    prev.Set(1u, code_from_dtype(autocast_dtype(d)));
    set_autocast_enabled(d, enabled);
    set_autocast_dtype(d, dtype);
    at::autocast::increment_nesting();
    return prev;
  });
}

// autocastExit(deviceType, prevEnabled, prevDtypeCode)
Napi::Value autocast_exit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto d = autocast_device(env, info[0].As<Napi::String>().Utf8Value());
    // Casts cached inside the region hold weights in reduced precision; drop them on leaving.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    set_autocast_enabled(d, info[1].ToBoolean().Value());
    set_autocast_dtype(d, dtype_from_code(info[2].As<Napi::Number>().Int32Value()));
    return env.Undefined();
  });
}

Napi::Value is_autocast_enabled(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Napi::Boolean::New(env, autocast_enabled(autocast_device(env, info[0].As<Napi::String>().Utf8Value())));
}

Napi::Value manual_seed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    bool lossless;
    uint64_t seed = info[0].IsBigInt() ? info[0].As<Napi::BigInt>().Uint64Value(&lossless)
                                       : static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
    at::manual_seed(seed);
    return env.Undefined();
  });
}

Napi::Value initial_seed(const Napi::CallbackInfo& info) {
  auto gen = at::globalContext().defaultGenerator(c10::DeviceType::CPU);
  return Napi::BigInt::New(info.Env(), gen.current_seed());
}

Napi::Value set_num_threads(const Napi::CallbackInfo& info) {
  at::set_num_threads(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value get_num_threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value cuda_is_available(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), torch::cuda::is_available());
}

Napi::Value cuda_device_count(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count()));
}

// cudaSynchronize(deviceIndex = -1): waits for queued CUDA work (for timing); a no-op without CUDA.
Napi::Value cuda_synchronize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (torch::cuda::is_available()) torch::cuda::synchronize(info.Length() > 0 ? info[0].As<Napi::Number>().Int64Value() : -1);
    return env.Undefined();
  });
}

Napi::Value version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), TORCH_VERSION);
}

Napi::Value config(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), at::show_config());
}

}  // namespace fts
