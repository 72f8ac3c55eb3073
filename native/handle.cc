#include "handle.h"

#include <c10/util/intrusive_ptr.h>

#include <memory>
#include <mutex>
#include <unordered_map>

namespace fts {

namespace {

// One entry per storage that live handles refer to.
struct StorageCount {
  // A weak reference keeps the StorageImpl's address from being reused by a new storage while
  // it is counted (the memory itself is still freed with the last tensor using it).
  c10::weak_intrusive_ptr<c10::StorageImpl> weak;
  int64_t handles = 0;
  int64_t bytes = 0;  // what was reported for this storage
};

// Handles are made and freed on JavaScript threads; worker threads each load the addon, so
// the counters are shared and need the lock.
std::mutex g_mutex;
std::unordered_map<c10::StorageImpl*, StorageCount> g_storages;
int64_t g_live = 0;
int64_t g_bytes = 0;

// Registers a new handle's box; returns the bytes newly reported.
int64_t count(TensorBox& box) {
  const c10::Storage& storage = box.tensor.unsafeGetTensorImpl()->unsafe_storage();
  c10::StorageImpl* impl = storage.unsafeGetStorageImpl();
  int64_t added = 0;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (impl) {
    auto nbytes = static_cast<int64_t>(impl->nbytes());
    auto it = g_storages.find(impl);
    if (it == g_storages.end()) it = g_storages.emplace(impl, StorageCount{storage.getWeakStorageImpl()}).first;
    StorageCount& c = it->second;
    // A storage that grew in place (resize_) since it was counted is reported again.
    if (nbytes > c.bytes) {
      added = nbytes - c.bytes;
      c.bytes = nbytes;
    }
    c.handles++;
    box.storage = impl;
    box.bytes = nbytes;
  } else {
    // Tensors without a storage (sparse, mkldnn) count their own elements.
    box.bytes = static_cast<int64_t>(box.tensor.numel()) * static_cast<int64_t>(box.tensor.element_size());
    added = box.bytes;
  }
  g_live++;
  g_bytes += added;
  return added;
}

// Unregisters a box; returns the bytes to stop reporting.
int64_t uncount(TensorBox& box) {
  int64_t released = 0;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (box.storage) {
    auto it = g_storages.find(box.storage);
    if (it != g_storages.end() && --it->second.handles == 0) {
      released = it->second.bytes;
      g_storages.erase(it);
    }
    box.storage = nullptr;
  } else {
    released = box.bytes;
  }
  box.bytes = 0;
  g_live--;
  g_bytes -= released;
  return released;
}

void finalize(Napi::Env env, TensorBox* box) {
  // Nothing can report an error from a finalizer, and an exception leaving it terminates.
  try {
    dispose(env, box);
  } catch (...) {
  }
  delete box;
}
}  // namespace

Napi::Value wrap(Napi::Env env, at::Tensor tensor) {
  if (!tensor.defined()) return env.Null();
  auto owned = std::make_unique<TensorBox>();
  owned->tensor = std::move(tensor);
  TensorBox* box = owned.get();
  auto handle = Napi::External<TensorBox>::New(env, box, finalize);
  owned.release();  // the External's finalizer owns it now
  int64_t added = 0;
  try {
    added = count(*box);
  } catch (...) {
    box->tensor.reset();  // uncounted, so dispose and the finalizer must not uncount it
    throw;
  }
  if (added > 0) Napi::MemoryManagement::AdjustExternalMemory(env, added);
  return handle;
}

TensorBox* box_of(const Napi::Value& value, const char* what) {
  TensorBox* box = try_box(value);
  if (!box) throw Napi::TypeError::New(value.Env(), std::string(what) + ": expected a Tensor, got " + describe(value));
  return box;
}

std::string disposed_message(const std::string& what) {
  return what +
         ": this tensor was disposed (by dispose() or by the tidy() scope that created it) and "
         "cannot be used again. Return it from tidy(), or call torch.keep(t), to keep it.";
}

const at::Tensor& unwrap(const Napi::Value& value, const char* what) {
  TensorBox* box = box_of(value, what);
  if (!box->tensor.defined()) throw Napi::Error::New(value.Env(), disposed_message(what));
  return box->tensor;
}

void dispose(Napi::Env env, TensorBox* box) {
  if (!box->tensor.defined()) return;
  int64_t released = uncount(*box);
  box->tensor.reset();
  if (released > 0) Napi::MemoryManagement::AdjustExternalMemory(env, -released);
}

void refresh(Napi::Env env, TensorBox* box) {
  if (!box->tensor.defined()) return;
  c10::StorageImpl* impl = box->tensor.unsafeGetTensorImpl()->unsafe_storage().unsafeGetStorageImpl();
  if (impl == box->storage && (!impl || static_cast<int64_t>(impl->nbytes()) <= box->bytes)) return;
  TensorBox old;  // the registration to drop
  old.storage = box->storage;
  old.bytes = box->bytes;
  // Count under the current storage before uncounting the old one, so a storage that only grew
  // keeps its entry.
  int64_t delta = count(*box);
  delta -= uncount(old);
  if (delta != 0) Napi::MemoryManagement::AdjustExternalMemory(env, delta);
}

int64_t live_tensors() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_live;
}

int64_t live_bytes() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_bytes;
}

// Codes are c10::ScalarType's own numbering, mirrored in src/torch/dtype.ts.
at::ScalarType dtype_from_code(int code) {
  if (code < 0 || code >= static_cast<int>(at::ScalarType::NumOptions)) {
    throw std::invalid_argument("unknown dtype code " + std::to_string(code));
  }
  return static_cast<at::ScalarType>(code);
}

int code_from_dtype(at::ScalarType type) { return static_cast<int>(type); }

}  // namespace fts
