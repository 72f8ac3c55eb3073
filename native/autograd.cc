// Autograd (backward, gradients, requiresGrad, leaves, grad_fn) and grad mode.
#include "autograd.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "handle.h"

namespace fts {

// backward(t, grad | null, retainGraph, createGraph)
Napi::Value backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
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
}

Napi::Value grad(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), unwrap(info[0], "grad").grad());
}

// setGrad(t, g | null): null frees the gradient (PyTorch's `p.grad = None`).
Napi::Value set_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor t = unwrap(info[0], "setGrad");
  if (info[1].IsNull() || info[1].IsUndefined()) {
    t.mutable_grad().reset();
  } else {
    t.mutable_grad() = unwrap(info[1], "setGrad: gradient");
  }
  return env.Undefined();
}

Napi::Value requires_grad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrap(info[0], "requiresGrad").requires_grad());
}

Napi::Value set_requires_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor t = unwrap(info[0], "requiresGrad_");
  t.set_requires_grad(info[1].ToBoolean().Value());
  return env.Undefined();
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

}  // namespace fts
