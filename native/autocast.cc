// Autocast (mixed precision) regions, entered and left from JavaScript.
#include "autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "handle.h"

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define FTS_AUTOCAST_BY_DEVICE 1  // 2.4 replaced the per-device setters with (device_type, ...) ones
#endif

namespace fts {

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
}

// autocastExit(deviceType, prevEnabled, prevDtypeCode)
Napi::Value autocast_exit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto d = autocast_device(env, info[0].As<Napi::String>().Utf8Value());
  // Casts cached inside the region hold weights in reduced precision; drop them on leaving.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast_enabled(d, info[1].ToBoolean().Value());
  set_autocast_dtype(d, dtype_from_code(info[2].As<Napi::Number>().Int32Value()));
  return env.Undefined();
}

Napi::Value is_autocast_enabled(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Napi::Boolean::New(env, autocast_enabled(autocast_device(env, info[0].As<Napi::String>().Utf8Value())));
}

}  // namespace fts
