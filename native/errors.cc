#include "errors.h"

#include <c10/util/Exception.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <new>

namespace fts {
namespace {

const char* const kBatchAdvice = "Use a smaller batch size (or smaller images) so each step needs less memory.";

std::string format_bytes(uint64_t n) {
  char buf[64];
  if (n >= 1000000000ULL) {
    std::snprintf(buf, sizeof buf, "%.1f GB", static_cast<double>(n) / 1e9);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(n) / 1e6);
  }
  return buf;
}

Napi::Error out_of_memory(Napi::Env env, const std::string& message, int64_t requested) {
  auto error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, "ERR_OUT_OF_MEMORY"));
  if (requested >= 0) error.Set("requestedBytes", Napi::Number::New(env, static_cast<double>(requested)));
  return error;
}

// libtorch's CPU allocator says "DefaultCPUAllocator: not enough memory: you tried to allocate
// N bytes." (or "can't allocate memory: you tried to allocate N bytes. Error code 12 ...").
Napi::Error from_c10(Napi::Env env, const c10::Error& e) {
  std::string message = e.what_without_backtrace();
  const std::string marker = "you tried to allocate ";
  auto at = message.find(marker);
  if (at != std::string::npos && message.find("CPUAllocator") != std::string::npos) {
    uint64_t bytes = std::strtoull(message.c_str() + at + marker.size(), nullptr, 10);
    return out_of_memory(env,
                         "not enough memory: libtorch tried to allocate " + format_bytes(bytes) + " (" +
                             std::to_string(bytes) + " bytes) on the CPU and the allocation failed. " + kBatchAdvice,
                         static_cast<int64_t>(bytes));
  }
  // CUDA's allocator already says how much it tried to allocate and how much is free.
  if (message.find("out of memory") != std::string::npos) {
    return out_of_memory(env, message + " " + kBatchAdvice, -1);
  }
  return Napi::Error::New(env, message);
}

}  // namespace

std::string describe(const Napi::Value& v) {
  if (v.IsNumber()) return v.ToString().Utf8Value();  // JavaScript's own spelling: 2.7, NaN, 1e+21
  if (v.IsBigInt()) return v.ToString().Utf8Value() + "n";
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    return "'" + (s.size() > 40 ? s.substr(0, 40) + "..." : s) + "'";
  }
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsArray()) return "an array";
  if (v.IsExternal()) return "a Tensor handle";
  if (v.IsFunction()) return "a function";
  return "an object";
}

Napi::Error js_error(Napi::Env env, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Napi::Error& e) {
    return e;
  } catch (const c10::Error& e) {
    return from_c10(env, e);
  } catch (const std::bad_alloc&) {
    return out_of_memory(env, std::string("not enough memory: an allocation failed (std::bad_alloc). ") + kBatchAdvice, -1);
  } catch (const std::exception& e) {
    return Napi::Error::New(env, e.what());
  } catch (...) {
    return Napi::Error::New(env, "the native addon caught an exception of unknown type (not a std::exception)");
  }
}

}  // namespace fts
