// Moving data between JavaScript memory and tensors, and reading tensor metadata.
#include "data.h"

#include <cmath>
#include <cstring>

#include "cpu-allocator.h"
#include "handle.h"

namespace fts {
namespace {

// A shape from JavaScript: non-negative integers only (a fraction is refused, not truncated).
std::vector<int64_t> shape_list(Napi::Env env, const Napi::Value& v) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, "tensor(): shape must be an array of non-negative integers, got " + describe(v));
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d < 9007199254740992.0) || d != std::trunc(d)) {
      throw Napi::TypeError::New(env, "tensor(): shape[" + std::to_string(i) + "] must be a non-negative integer, got " + describe(e));
    }
    out[i] = static_cast<int64_t>(d);
  }
  return out;
}

Napi::Array to_array(Napi::Env env, c10::IntArrayRef values) {
  auto out = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); i++) out.Set(static_cast<uint32_t>(i), static_cast<double>(values[i]));
  return out;
}

}  // namespace

// fromData(typedArray, shape, srcDtype, dstDtype): one copy from JavaScript memory into a new tensor
// (with the conversion, when the dtypes differ, done during that copy).
Napi::Value from_data(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto arr = info[0].As<Napi::TypedArray>();
  auto shape = shape_list(env, info[1]);
  auto src = dtype_from_code(info[2].As<Napi::Number>().Int32Value());
  auto dst = dtype_from_code(info[3].As<Napi::Number>().Int32Value());
  auto* data = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  int64_t numel = 1;
  bool overflow = false;
  for (auto s : shape) overflow |= __builtin_mul_overflow(numel, s, &numel);
  int64_t bytes = 0;
  overflow |= __builtin_mul_overflow(numel, static_cast<int64_t>(c10::elementSize(src)), &bytes);
  if (overflow || static_cast<int64_t>(arr.ByteLength()) != bytes) {
    throw Napi::RangeError::New(env, "tensor(): " + std::to_string(arr.ByteLength()) +
                                         " bytes of data do not fill shape " + c10::str(c10::IntArrayRef(shape)) +
                                         " (" + std::to_string(numel) + " elements of " + c10::toString(src) + ")");
  }
  if (src == dst) {
    // A plain memcpy, not clone(): clone's copy kernel splits larger tensors over OpenMP threads,
    // and an OpenMP region on the main thread stalls while the loader's decodes keep the other
    // cores busy (measured: 1.1 ms per 192x192 image with decodes running, against microseconds).
    at::Tensor out = at::empty(shape, at::TensorOptions().dtype(src));
    if (bytes) std::memcpy(out.data_ptr(), data, static_cast<size_t>(bytes));
    return wrap(env, out);
  }
  auto view = at::from_blob(data, shape, at::TensorOptions().dtype(src));
  return wrap(env, view.to(dst));
}

// toData(t): a copy of the tensor's elements (row-major, on the CPU) as an ArrayBuffer.
Napi::Value to_data(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor t = unwrap(info[0], "toData").detach().to(at::kCPU).contiguous();
  size_t n = t.numel() * t.element_size();
  auto buf = Napi::ArrayBuffer::New(env, n);
  if (n) std::memcpy(buf.Data(), t.data_ptr(), n);
  return buf;
}

// dataView(t): an ArrayBuffer over the tensor's own memory (no copy). The buffer keeps the
// storage alive; writes through it change the tensor.
Napi::Value data_view(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = unwrap(info[0], "dataView");
  if (!t.is_cpu() || !t.is_contiguous()) {
    throw Napi::Error::New(env, "dataView: the tensor must be contiguous and on the CPU; call .contiguous() or .toDevice('cpu') first");
  }
  auto* keep = new at::Tensor(t.detach());
  size_t n = t.numel() * t.element_size();
  if (n == 0) {
    delete keep;
    return Napi::ArrayBuffer::New(env, 0);
  }
  return Napi::ArrayBuffer::New(env, keep->data_ptr(), n, [](Napi::Env, void*, at::Tensor* k) { delete k; }, keep);
}

Napi::Value shape(const Napi::CallbackInfo& info) {
  return to_array(info.Env(), unwrap(info[0], "shape").sizes());
}

Napi::Value strides(const Napi::CallbackInfo& info) {
  return to_array(info.Env(), unwrap(info[0], "strides").strides());
}

Napi::Value dtype(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), code_from_dtype(unwrap(info[0], "dtype").scalar_type()));
}

Napi::Value device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), unwrap(info[0], "device").device().str());
}

Napi::Value numel(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(unwrap(info[0], "numel").numel()));
}

Napi::Value dim(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(unwrap(info[0], "dim").dim()));
}

Napi::Value is_contiguous(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrap(info[0], "isContiguous").is_contiguous());
}

Napi::Value is_channels_last(const Napi::CallbackInfo& info) {
  const at::Tensor& t = unwrap(info[0], "isChannelsLast");
  return Napi::Boolean::New(info.Env(), t.dim() == 4 && t.is_contiguous(at::MemoryFormat::ChannelsLast));
}

// The address of the first element: lets tests and callers tell whether two tensors share memory.
Napi::Value data_ptr(const Napi::CallbackInfo& info) {
  const at::Tensor& t = unwrap(info[0], "dataPtr");
  return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(reinterpret_cast<uintptr_t>(t.data_ptr())));
}

Napi::Value dispose_handle(const Napi::CallbackInfo& info) {
  dispose(info.Env(), box_of(info[0], "dispose"));
  return info.Env().Undefined();
}

Napi::Value is_disposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !box_of(info[0], "isDisposed")->tensor.defined());
}

Napi::Value memory(const Napi::CallbackInfo& info) {
  auto out = Napi::Object::New(info.Env());
  out.Set("liveTensors", static_cast<double>(live_tensors()));
  out.Set("liveBytes", static_cast<double>(live_bytes()));
  CpuCacheStats cache = cpu_cache_stats();
  out.Set("cpuCachedBytes", static_cast<double>(cache.cached_bytes));
  out.Set("cpuCacheLimitBytes", static_cast<double>(cache.limit_bytes));
  return out;
}

}  // namespace fts
