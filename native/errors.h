// Turning C++ exceptions into JavaScript errors, and describing JavaScript values in messages.
#pragma once

#include <napi.h>

#include <exception>
#include <string>

namespace fts {

// A short description of a JavaScript value for error messages: `2.7`, `true`, `'abc'`,
// `undefined`, `an array`.
std::string describe(const Napi::Value& value);

// The JavaScript error for a caught C++ exception: libtorch's message without its C++
// backtrace. Allocation failures (libtorch's "you tried to allocate N bytes", std::bad_alloc)
// say how much was asked for and suggest a smaller batch; they carry
// code 'ERR_OUT_OF_MEMORY' (and requestedBytes when known).
Napi::Error js_error(Napi::Env env, std::exception_ptr error);

// Runs `body`, turning every C++ exception (c10::Error, std::exception, anything) into a
// JavaScript error: one escaping into Node-API would call std::terminate. addon.cc runs every
// entry point through it.
template <typename F>
auto guarded(Napi::Env env, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw js_error(env, std::current_exception());
  }
}

}  // namespace fts
