// One generic call for every ATen operator, through PyTorch's dispatcher.
//
// JavaScript looks an operator up once by schema name ("aten::conv2d", overload
// ""), gets back a small integer, and calls it with positional arguments.
// Each argument is converted to an IValue guided by the schema's declared type,
// which was classified once at lookup. Autograd and autocast work because the
// boxed call passes through their dispatch keys like any other call.
#include "ops.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/function_schema.h>
#include <ATen/core/jit_type.h>
#include <torch/version.h>

#include <cmath>
#include <sstream>
#include <vector>

#include "handle.h"

namespace fts {
namespace {

enum class Kind {
  Tensor, TensorList, OptTensorList, Int, IntList, Float, FloatList, Scalar,
  Bool, BoolList, Str, Device, Generator, Unsupported
};

struct Arg {
  Kind kind;
  bool optional;
  int fixed_size;  // int[2] etc.: a single number is repeated; -1 when not fixed
  std::string name;
  c10::optional<c10::IValue> default_value;
};

struct Op {
  c10::OperatorHandle handle;
  std::string name;
  std::vector<Arg> args;
};

std::vector<Op>& registry() {
  static std::vector<Op> ops;
  return ops;
}

bool is_int_like(c10::TypeKind k) {
  // ScalarType, Layout and MemoryFormat are enums passed as ints.
  return k == c10::TypeKind::IntType || k == c10::TypeKind::SymIntType ||
         k == c10::TypeKind::ScalarTypeType || k == c10::TypeKind::LayoutType ||
         k == c10::TypeKind::MemoryFormatType;
}

Kind classify_base(const c10::TypePtr& type) {
  auto k = type->kind();
  if (k == c10::TypeKind::TensorType) return Kind::Tensor;
  if (is_int_like(k)) return Kind::Int;
  if (k == c10::TypeKind::FloatType) return Kind::Float;
  if (k == c10::TypeKind::NumberType) return Kind::Scalar;
  if (k == c10::TypeKind::BoolType) return Kind::Bool;
  if (k == c10::TypeKind::StringType) return Kind::Str;
  if (k == c10::TypeKind::DeviceObjType) return Kind::Device;
  if (k == c10::TypeKind::GeneratorType) return Kind::Generator;
  if (k == c10::TypeKind::ListType) {
    auto elem = type->castRaw<c10::ListType>()->getElementType();
    auto ek = elem->kind();
    if (ek == c10::TypeKind::TensorType) return Kind::TensorList;
    if (ek == c10::TypeKind::OptionalType &&
        elem->castRaw<c10::OptionalType>()->getElementType()->kind() == c10::TypeKind::TensorType) {
      return Kind::OptTensorList;
    }
    if (is_int_like(ek)) return Kind::IntList;
    if (ek == c10::TypeKind::FloatType) return Kind::FloatList;
    if (ek == c10::TypeKind::BoolType) return Kind::BoolList;
  }
  return Kind::Unsupported;
}

Arg classify(const c10::Argument& a) {
  Arg out{Kind::Unsupported, false, -1, a.name(), a.default_value()};
  c10::TypePtr type = a.type();
  if (type->kind() == c10::TypeKind::OptionalType) {
    out.optional = true;
    type = type->castRaw<c10::OptionalType>()->getElementType();
  }
  out.kind = classify_base(type);
  if (a.N()) out.fixed_size = static_cast<int>(*a.N());
  return out;
}

const char* expected(Kind k) {
  switch (k) {
    case Kind::Tensor: return "a Tensor";
    case Kind::TensorList: return "an array of Tensors";
    case Kind::OptTensorList: return "an array of Tensors or nulls";
    case Kind::Int: return "an integer";
    case Kind::IntList: return "an array of integers";
    case Kind::Float: return "a number";
    case Kind::FloatList: return "an array of numbers";
    case Kind::Scalar: return "a number or boolean";
    case Kind::Bool: return "a boolean";
    case Kind::BoolList: return "an array of booleans";
    case Kind::Str: return "a string";
    case Kind::Device: return "a device string such as 'cpu' or 'cuda:0'";
    case Kind::Generator: return "null (explicit generators are not supported; use torch.manualSeed)";
    default: return "a supported value";
  }
}

// Messages are built only when an argument is rejected: the success path of a call builds no
// strings.
std::string where(const Op& op, const Arg& arg) { return op.name + ": argument '" + arg.name + "'"; }

[[noreturn]] void bad_arg(Napi::Env env, const Op& op, const Arg& arg, const Napi::Value& got) {
  throw Napi::TypeError::New(env, where(op, arg) + " must be " + expected(arg.kind) + ", got " + describe(got));
}

[[noreturn]] void bad_element(Napi::Env env, const Op& op, const Arg& arg, uint32_t index, const Napi::Value& got) {
  throw Napi::TypeError::New(env, where(op, arg) + " must be " + expected(arg.kind) + ", got " + describe(got) +
                                      " at index " + std::to_string(index));
}

// A JavaScript number that is an exact int64, or a lossless BigInt. Fractions, NaN, infinities
// and booleans are refused rather than truncated or coerced.
bool as_int(const Napi::Value& v, int64_t& out) {
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    // -2^63 is representable; 2^63 is the first double past the int64 range.
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != std::trunc(d)) return false;
    out = static_cast<int64_t>(d);
    return true;
  }
  if (v.IsBigInt()) {
    bool lossless = false;
    out = v.As<Napi::BigInt>().Int64Value(&lossless);
    return lossless;
  }
  return false;
}

int64_t to_int(Napi::Env env, const Op& op, const Arg& arg, const Napi::Value& v) {
  int64_t out;
  if (!as_int(v, out)) bad_arg(env, op, arg, v);
  return out;
}

const at::Tensor& to_tensor(Napi::Env env, const Op& op, const Arg& arg, const Napi::Value& v, int64_t index = -1) {
  if (TensorBox* box = try_box(v)) {
    if (box->tensor.defined()) return box->tensor;
    throw Napi::Error::New(env, disposed_message(where(op, arg) + (index < 0 ? "" : " (index " + std::to_string(index) + ")")));
  }
  if (index < 0) bad_arg(env, op, arg, v);
  bad_element(env, op, arg, static_cast<uint32_t>(index), v);
}

c10::IValue to_scalar(Napi::Env env, const Op& op, const Arg& arg, const Napi::Value& v) {
  if (v.IsBoolean()) return c10::IValue(v.As<Napi::Boolean>().Value());
  if (v.IsBigInt()) return c10::IValue(to_int(env, op, arg, v));
  if (!v.IsNumber()) bad_arg(env, op, arg, v);
  double d = v.As<Napi::Number>().DoubleValue();
  // Integral JS numbers become integer scalars so integer tensors keep their dtype.
  if (d == static_cast<double>(static_cast<int64_t>(d)) && d >= -9.2e18 && d <= 9.2e18) {
    return c10::IValue(static_cast<int64_t>(d));
  }
  return c10::IValue(d);
}

c10::IValue convert(Napi::Env env, const Op& op, const Arg& arg, const Napi::Value& v) {
  switch (arg.kind) {
    case Kind::Tensor:
      return c10::IValue(to_tensor(env, op, arg, v));
    case Kind::Int:
      return c10::IValue(to_int(env, op, arg, v));
    case Kind::Float:
      if (!v.IsNumber()) bad_arg(env, op, arg, v);
      return c10::IValue(v.As<Napi::Number>().DoubleValue());
    case Kind::Scalar:
      return to_scalar(env, op, arg, v);
    case Kind::Bool:
      if (!v.IsBoolean()) bad_arg(env, op, arg, v);
      return c10::IValue(v.As<Napi::Boolean>().Value());
    case Kind::Str:
      if (!v.IsString()) bad_arg(env, op, arg, v);
      return c10::IValue(v.As<Napi::String>().Utf8Value());
    case Kind::Device:
      if (!v.IsString()) bad_arg(env, op, arg, v);
      return c10::IValue(c10::Device(v.As<Napi::String>().Utf8Value()));
    case Kind::Generator:
      bad_arg(env, op, arg, v);
    case Kind::IntList: {
      // int[2] and friends accept one number for every element, as Python does.
      if (arg.fixed_size > 0 && !v.IsArray()) {
        return c10::IValue(std::vector<int64_t>(arg.fixed_size, to_int(env, op, arg, v)));
      }
      if (!v.IsArray()) bad_arg(env, op, arg, v);
      auto a = v.As<Napi::Array>();
      std::vector<int64_t> out(a.Length());
      for (uint32_t i = 0; i < a.Length(); i++) {
        Napi::Value e = a.Get(i);
        if (!as_int(e, out[i])) bad_element(env, op, arg, i, e);
      }
      return c10::IValue(out);
    }
    case Kind::FloatList: {
      if (!v.IsArray()) bad_arg(env, op, arg, v);
      auto a = v.As<Napi::Array>();
      std::vector<double> out(a.Length());
      for (uint32_t i = 0; i < a.Length(); i++) {
        Napi::Value e = a.Get(i);
        if (!e.IsNumber()) bad_element(env, op, arg, i, e);
        out[i] = e.As<Napi::Number>().DoubleValue();
      }
      return c10::IValue(out);
    }
    case Kind::BoolList: {
      if (!v.IsArray()) bad_arg(env, op, arg, v);
      auto a = v.As<Napi::Array>();
      c10::List<bool> out;
      out.reserve(a.Length());
      for (uint32_t i = 0; i < a.Length(); i++) {
        Napi::Value e = a.Get(i);
        if (!e.IsBoolean()) bad_element(env, op, arg, i, e);
        out.push_back(e.As<Napi::Boolean>().Value());
      }
      return c10::IValue(out);
    }
    case Kind::TensorList: {
      if (!v.IsArray()) bad_arg(env, op, arg, v);
      auto a = v.As<Napi::Array>();
      std::vector<at::Tensor> out;
      out.reserve(a.Length());
      for (uint32_t i = 0; i < a.Length(); i++) out.push_back(to_tensor(env, op, arg, a.Get(i), i));
      return c10::IValue(out);
    }
    case Kind::OptTensorList: {
      if (!v.IsArray()) bad_arg(env, op, arg, v);
      auto a = v.As<Napi::Array>();
      c10::List<c10::optional<at::Tensor>> out;
      out.reserve(a.Length());
      for (uint32_t i = 0; i < a.Length(); i++) {
        Napi::Value e = a.Get(i);
        if (e.IsNull() || e.IsUndefined()) {
          out.push_back(c10::nullopt);
        } else {
          out.push_back(to_tensor(env, op, arg, e, i));
        }
      }
      return c10::IValue(out);
    }
    case Kind::Unsupported:
      break;
  }
  throw Napi::TypeError::New(env, where(op, arg) + " has a type the binding does not support");
}

Napi::Value to_js(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) return wrap(env, v.toTensor());
  if (v.isNone()) return env.Null();
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isTensorList()) {
    auto list = v.toTensorList();
    auto out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) out.Set(static_cast<uint32_t>(i), wrap(env, list.get(i)));
    return out;
  }
  if (v.isTuple()) {
    const auto& elems = v.toTupleRef().elements();
    auto out = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); i++) out.Set(static_cast<uint32_t>(i), to_js(env, elems[i]));
    return out;
  }
  if (v.isIntList()) {
    auto list = v.toIntList();
    auto out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(list.get(i))));
    return out;
  }
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isComplexDouble()) {
    auto c = v.toComplexDouble();
    auto out = Napi::Array::New(env, 2);
    out.Set(0u, c.real());
    out.Set(1u, c.imag());
    return out;
  }
  throw Napi::Error::New(env, "the binding cannot convert a result of type " + v.tagKind());
}

// Converts the JavaScript arguments and calls the operator; leaves the results on `stack`.
void call_into(const Napi::CallbackInfo& info, std::vector<c10::IValue>& stack, const Op*& op_out) {
  Napi::Env env = info.Env();
  auto id = info[0].As<Napi::Number>().Uint32Value();
  auto& ops = registry();
  if (id >= ops.size()) throw Napi::RangeError::New(env, "unknown operator id");
  const Op& op = ops[id];
  op_out = &op;
  size_t given = info.Length() - 1;
  if (given > op.args.size()) {
    throw Napi::TypeError::New(env, op.name + " takes " + std::to_string(op.args.size()) +
                                        " arguments but got " + std::to_string(given));
  }
  stack.reserve(op.args.size());
  for (size_t i = 0; i < op.args.size(); i++) {
    const Arg& arg = op.args[i];
    Napi::Value v = i < given ? info[i + 1] : env.Undefined();
    if (v.IsUndefined()) {
      if (arg.default_value) {
        stack.push_back(*arg.default_value);
        continue;
      }
      if (arg.optional) {
        stack.emplace_back();
        continue;
      }
      if (i < given) bad_arg(env, op, arg, v);
      throw Napi::TypeError::New(env, where(op, arg) + " is required");
    }
    if (v.IsNull()) {
      if (!arg.optional) bad_arg(env, op, arg, v);
      stack.emplace_back();
      continue;
    }
    stack.push_back(convert(env, op, arg, v));
  }
  op.handle.callBoxed(&stack);
}

}  // namespace

Napi::Value op_lookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info.Length() > 1 ? info[1].As<Napi::String>().Utf8Value() : "";
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!handle) {
    throw Napi::Error::New(env, "libtorch has no operator " + name + (overload.empty() ? "" : "." + overload) +
                                    " (this libtorch is " + TORCH_VERSION + ")");
  }
  Op op{*handle, name + (overload.empty() ? "" : "." + overload), {}};
  for (const auto& a : handle->schema().arguments()) op.args.push_back(classify(a));
  registry().push_back(std::move(op));
  return Napi::Number::New(env, static_cast<double>(registry().size() - 1));
}

Napi::Value op_schema(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto id = info[0].As<Napi::Number>().Uint32Value();
  if (id >= registry().size()) throw Napi::RangeError::New(env, "unknown operator id");
  std::ostringstream s;
  s << registry()[id].handle.schema();
  return Napi::String::New(env, s.str());
}

Napi::Value op_call(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<c10::IValue> stack;
  const Op* op = nullptr;
  call_into(info, stack, op);
  if (stack.empty()) return env.Undefined();
  if (stack.size() == 1) return to_js(env, stack[0]);
  auto out = Napi::Array::New(env, stack.size());
  for (size_t i = 0; i < stack.size(); i++) out.Set(static_cast<uint32_t>(i), to_js(env, stack[i]));
  return out;
}

Napi::Value op_call_void(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<c10::IValue> stack;
  const Op* op = nullptr;
  call_into(info, stack, op);
  // In-place ops may swap or grow the storage of `self` (set_data); keep the byte count honest.
  if (info.Length() > 1) {
    if (TensorBox* self = try_box(info[1])) refresh(env, self);
  }
  return env.Undefined();
}

}  // namespace fts
