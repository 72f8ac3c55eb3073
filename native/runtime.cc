// Random seeds, threads, devices, and the libtorch version and build configuration.
#include "runtime.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "handle.h"

namespace fts {

Napi::Value manual_seed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool lossless;
  uint64_t seed = info[0].IsBigInt() ? info[0].As<Napi::BigInt>().Uint64Value(&lossless)
                                     : static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
  at::manual_seed(seed);
  return env.Undefined();
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
  if (torch::cuda::is_available()) torch::cuda::synchronize(info.Length() > 0 ? info[0].As<Napi::Number>().Int64Value() : -1);
  return env.Undefined();
}

Napi::Value version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), TORCH_VERSION);
}

Napi::Value config(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), at::show_config());
}

}  // namespace fts
