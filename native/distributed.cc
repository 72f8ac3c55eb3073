// torch.distributed over PyTorch's own c10d: a TCPStore for rendezvous and a ProcessGroupGloo
// for the collectives, built the way Python's init_process_group builds them so that Python
// ranks can join the same group (src/torch/distributed explains the chain).
//
// Threads: collectives are *enqueued* on the JavaScript thread, in program order, because Gloo
// matches operations across ranks by the order they were issued (their tags); only the wait
// runs on Node's thread pool, behind a Promise. Everything that blocks (connecting the store,
// the full mesh, the store-based barrier) runs there too.
//
// Errors: Gloo throws gloo::IoException (a std::exception, not a c10::Error) from its worker
// threads; c10d stores it in the Work and rethrows it from wait(). Every wait is inside a
// try/catch that rejects the Promise, so none reaches std::terminate.
#include "distributed.h"

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <c10/util/Exception.h>
#include <torch/version.h>

#include "handle.h"

#ifdef FTS_WITH_GLOO
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace fts {
namespace {

// The text of an exception caught on a worker thread: libtorch's without its C++ backtrace,
// Gloo's without the "[/build/.../pair.cc:598] " source location it starts with.
std::string message_of(std::exception_ptr error) {
  std::string text;
  try {
    std::rethrow_exception(error);
  } catch (const c10::Error& e) {
    text = e.what_without_backtrace();
  } catch (const std::exception& e) {
    text = e.what();
  } catch (...) {
    text = "an exception of unknown type (not a std::exception)";
  }
  if (text.size() > 2 && text[0] == '[') {
    auto close = text.find("] ");
    auto colon = text.find(':');
    if (close != std::string::npos && colon != std::string::npos && colon < close) text = text.substr(close + 2);
  }
  return text;
}

// Runs `work` on the thread pool and settles a Promise with `done`'s value (or the error).
class Task : public Napi::AsyncWorker {
 public:
  Task(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> done)
      : Napi::AsyncWorker(env, "fastai-ts:distributed"),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        done_(std::move(done)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      work_();
    } catch (...) {
      SetError(message_of(std::current_exception()));
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    try {
      deferred_.Resolve(done_ ? done_(env) : env.Undefined());
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (...) {
      deferred_.Reject(Napi::Error::New(env, message_of(std::current_exception())).Value());
    }
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> done_;
};

Napi::Value run_task(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> done = nullptr) {
  auto* task = new Task(env, std::move(work), std::move(done));  // deletes itself when settled
  Napi::Promise promise = task->promise();
  task->Queue();
  return promise;
}

#ifdef FTS_WITH_GLOO

struct Group {
  c10::intrusive_ptr<c10d::Store> store;       // the store the user's keys live under ("fastai_ts/")
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;  // on libtorch 2.x a c10d::Backend: we call it directly
  int rank = 0;
  int size = 1;
};

// Only touched on the JavaScript thread. Deliberately never freed at exit: destroying a
// ProcessGroupGloo joins its threads, which could wait out a timeout for a lost peer.
Group* g_group = nullptr;

Group& group(Napi::Env env, const char* what) {
  if (!g_group) {
    throw Napi::Error::New(env, std::string(what) + ": the process group is not initialized; await torch.distributed.initProcessGroup() first");
  }
  return *g_group;
}

std::string str(const Napi::Object& o, const char* key) { return o.Get(key).As<Napi::String>().Utf8Value(); }
int64_t num(const Napi::Object& o, const char* key) { return o.Get(key).As<Napi::Number>().Int64Value(); }

std::vector<at::Tensor> tensors_of(const Napi::Value& value, const char* what) {
  auto array = value.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    const at::Tensor& t = unwrap(array.Get(i), what);
    if (!t.device().is_cpu()) throw Napi::Error::New(value.Env(), std::string(what) + ": the Gloo backend works on CPU tensors; this one is on " + t.device().str());
    if (!t.is_contiguous()) throw Napi::Error::New(value.Env(), std::string(what) + ": tensor " + std::to_string(i) + " is not contiguous; pass t.contiguous()");
    out.push_back(t);
  }
  return out;
}

// Waits for the works on the thread pool, then runs `after` there (e.g. the division of avg).
Napi::Value wait_all(Napi::Env env, std::vector<c10::intrusive_ptr<c10d::Work>> works, std::function<void()> after = nullptr) {
  return run_task(env, [works = std::move(works), after = std::move(after)] {
    std::exception_ptr first;
    // Wait for every work even after a failure, so none still writes into a tensor when the
    // Promise settles.
    for (const auto& w : works) {
      try {
        w->wait();
      } catch (...) {
        if (!first) first = std::current_exception();
      }
    }
    if (first) std::rethrow_exception(first);
    if (after) after();
  });
}

#endif  // FTS_WITH_GLOO

}  // namespace

// distAvailable(): null when this build has the Gloo backend, else why not.
Napi::Value dist_available(const Napi::CallbackInfo& info) {
#ifdef FTS_WITH_GLOO
  return info.Env().Null();
#else
  return Napi::String::New(info.Env(),
                           "this build of the fastai-ts addon has no distributed support: Gloo's headers were not found when it was "
                           "compiled. Install them (Debian/Ubuntu: `sudo apt-get install libgloo-dev`) and rebuild with `npm run build:native`");
#endif
}

// distInit({ rank, worldSize, host, port, isServer, storePrefix, timeoutMs, interfaces }): a
// Promise that resolves once every rank has joined. The store chain is Python's
// (TCPStore -> [storePrefix, torchelastic's agent store] -> "default_pg" -> "0").
Napi::Value dist_init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#ifndef FTS_WITH_GLOO
  throw Napi::Error::New(env, dist_available(info).As<Napi::String>().Utf8Value());
#else
  if (g_group) throw Napi::Error::New(env, "initProcessGroup: the process group is already initialized; call destroyProcessGroup() first");
  auto o = info[0].As<Napi::Object>();
  const int rank = static_cast<int>(num(o, "rank"));
  const int size = static_cast<int>(num(o, "worldSize"));
  const std::string host = str(o, "host");
  const auto port = static_cast<uint16_t>(num(o, "port"));
  const bool is_server = o.Get("isServer").As<Napi::Boolean>().Value();
  const std::string store_prefix = str(o, "storePrefix");
  const std::chrono::milliseconds timeout(num(o, "timeoutMs"));
  std::vector<std::string> interfaces;
  auto ifs = o.Get("interfaces").As<Napi::Array>();
  for (uint32_t i = 0; i < ifs.Length(); i++) interfaces.push_back(ifs.Get(i).As<Napi::String>().Utf8Value());

  auto made = std::make_shared<Group>();
  return run_task(
      env,
      [=] {
        c10d::TCPStoreOptions so;
        so.port = port;
        so.isServer = is_server;
        so.numWorkers = static_cast<std::size_t>(size);
        so.waitWorkers = true;
        so.timeout = timeout;
        so.multiTenant = true;  // as Python's env:// rendezvous
        c10::intrusive_ptr<c10d::Store> base = c10::make_intrusive<c10d::TCPStore>(host, so);
        if (!store_prefix.empty()) base = c10::make_intrusive<c10d::PrefixStore>(store_prefix, base);
        auto default_pg = c10::make_intrusive<c10d::PrefixStore>("default_pg", base);
        auto pg_store = c10::make_intrusive<c10d::PrefixStore>("0", default_pg);

        auto options = c10d::ProcessGroupGloo::Options::create(timeout);
        // Python's ProcessGroupGloo binding: one device per GLOO_SOCKET_IFNAME interface, else
        // the default device (this host's name, falling back to loopback), never MASTER_ADDR.
        if (interfaces.empty()) {
          options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        } else {
          for (const auto& name : interfaces) options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
        }
        auto pg = c10::make_intrusive<c10d::ProcessGroupGloo>(pg_store, rank, size, options);

        // Python's _store_based_barrier, so that init returns on every rank together.
        const std::string key = "store_based_barrier_key:1";
        default_pg->add(key, 1);
        auto start = std::chrono::steady_clock::now();
        for (int64_t joined = default_pg->add(key, 0); joined != size; joined = default_pg->add(key, 0)) {
          if (std::chrono::steady_clock::now() - start > timeout) {
            throw std::runtime_error("timed out after " + std::to_string(timeout.count()) + " ms waiting for every rank to join: " + std::to_string(joined) +
                                     " of " + std::to_string(size) + " have");
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        pg->setSequenceNumberForGroup();
        made->store = c10::make_intrusive<c10d::PrefixStore>("fastai_ts", base);
        made->pg = pg;
        made->rank = rank;
        made->size = size;
      },
      [made](Napi::Env env) -> Napi::Value {
        g_group = new Group(*made);
        return env.Undefined();
      });
#endif
}

// distDestroy(): a Promise; the group's threads are joined on the thread pool.
Napi::Value dist_destroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#ifndef FTS_WITH_GLOO
  return run_task(env, [] {});
#else
  std::shared_ptr<Group> doomed(g_group);
  g_group = nullptr;
  return run_task(env, [doomed]() mutable { doomed.reset(); });
#endif
}

#ifdef FTS_WITH_GLOO
namespace {
c10d::ReduceOp reduce_op(Napi::Env env, const std::string& op) {
  if (op == "sum" || op == "avg") return c10d::ReduceOp(c10d::ReduceOp::SUM);
  if (op == "max") return c10d::ReduceOp(c10d::ReduceOp::MAX);
  if (op == "min") return c10d::ReduceOp(c10d::ReduceOp::MIN);
  if (op == "product") return c10d::ReduceOp(c10d::ReduceOp::PRODUCT);
  throw Napi::Error::New(env, "allReduce: op must be 'sum', 'avg', 'max', 'min' or 'product', got '" + op + "'");
}
}  // namespace
#endif

// distAllReduce(tensors, op): one all-reduce per tensor (Gloo reads a list as one tensor per
// device and would sum across it), enqueued now in order, waited for on the thread pool.
// 'avg' is a sum divided by the world size (Gloo has no AVG).
Napi::Value dist_all_reduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#ifndef FTS_WITH_GLOO
  throw Napi::Error::New(env, dist_available(info).As<Napi::String>().Utf8Value());
#else
  Group& g = group(env, "allReduce");
  auto tensors = tensors_of(info[0], "allReduce");
  const std::string op = info[1].As<Napi::String>().Utf8Value();
  c10d::AllreduceOptions opts;
  opts.reduceOp = reduce_op(env, op);
  if (op == "avg") {
    for (const auto& t : tensors) {
      if (!at::isFloatingType(t.scalar_type())) {
        throw Napi::Error::New(env, std::string("allReduce: op 'avg' needs floating-point tensors, got an integer tensor (") +
                                        c10::toString(t.scalar_type()) + "); use op 'sum' and divide by getWorldSize() as you need");
      }
    }
  }
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (const auto& t : tensors) {
    std::vector<at::Tensor> one{t};
    works.push_back(g.pg->allreduce(one, opts));
  }
  std::function<void()> after;
  if (op == "avg") {
    const double size = g.size;
    after = [tensors, size] {
      for (auto t : tensors) t.div_(size);
    };
  }
  return wait_all(env, std::move(works), std::move(after));
#endif
}

// distBroadcast(tensors, src): one broadcast per tensor from rank src.
Napi::Value dist_broadcast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#ifndef FTS_WITH_GLOO
  throw Napi::Error::New(env, dist_available(info).As<Napi::String>().Utf8Value());
#else
  Group& g = group(env, "broadcast");
  auto tensors = tensors_of(info[0], "broadcast");
  c10d::BroadcastOptions opts;
  opts.rootRank = info[1].As<Napi::Number>().Int64Value();
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (const auto& t : tensors) {
    std::vector<at::Tensor> one{t};
    works.push_back(g.pg->broadcast(one, opts));
  }
  return wait_all(env, std::move(works));
#endif
}

// distAllGather(input, outputs): outputs[r] receives rank r's input (same shape and dtype).
Napi::Value dist_all_gather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#ifndef FTS_WITH_GLOO
  throw Napi::Error::New(env, dist_available(info).As<Napi::String>().Utf8Value());
#else
  Group& g = group(env, "allGather");
  auto input = tensors_of(info[0], "allGather");
  auto outputs = tensors_of(info[1], "allGather");
  std::vector<std::vector<at::Tensor>> out{outputs};
  std::vector<c10::intrusive_ptr<c10d::Work>> works{g.pg->allgather(out, input)};
  return wait_all(env, std::move(works));
#endif
}

// distBarrier(): resolves when every rank has reached it.
Napi::Value dist_barrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#ifndef FTS_WITH_GLOO
  throw Napi::Error::New(env, dist_available(info).As<Napi::String>().Utf8Value());
#else
  Group& g = group(env, "barrier");
  std::vector<c10::intrusive_ptr<c10d::Work>> works{g.pg->barrier()};
  return wait_all(env, std::move(works));
#endif
}

// distStore(op, key, value?): the group's key-value store under "fastai_ts/". 'set' (string),
// 'get' (waits for the key, up to the store's timeout; resolves to a string), 'add' (number;
// resolves to the new value), 'check' (resolves to whether the key exists, without waiting).
Napi::Value dist_store(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#ifndef FTS_WITH_GLOO
  throw Napi::Error::New(env, dist_available(info).As<Napi::String>().Utf8Value());
#else
  Group& g = group(env, "store");
  auto store = g.store;
  const std::string op = info[0].As<Napi::String>().Utf8Value();
  const std::string key = info[1].As<Napi::String>().Utf8Value();
  if (op == "set") {
    std::string value = info[2].As<Napi::String>().Utf8Value();
    return run_task(env, [store, key, value] { store->set(key, std::vector<uint8_t>(value.begin(), value.end())); });
  }
  if (op == "get") {
    auto out = std::make_shared<std::string>();
    return run_task(
        env,
        [store, key, out] {
          auto bytes = store->get(key);
          out->assign(bytes.begin(), bytes.end());
        },
        [out](Napi::Env env) -> Napi::Value { return Napi::String::New(env, *out); });
  }
  if (op == "add") {
    int64_t by = info[2].As<Napi::Number>().Int64Value();
    auto out = std::make_shared<int64_t>(0);
    return run_task(
        env, [store, key, by, out] { *out = store->add(key, by); },
        [out](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, static_cast<double>(*out)); });
  }
  if (op == "check") {
    auto out = std::make_shared<bool>(false);
    return run_task(
        env, [store, key, out] { *out = store->check({key}); },
        [out](Napi::Env env) -> Napi::Value { return Napi::Boolean::New(env, *out); });
  }
  throw Napi::Error::New(env, "store: unknown op '" + op + "'");
#endif
}

}  // namespace fts
