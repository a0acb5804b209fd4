// c10d's Gloo process group is compiled into Debian's libtorch_cpu; its header only declares
// the class when USE_C10D_GLOO is defined (PyTorch's build defines it; we are not that build).
#define USE_C10D_GLOO 1
#include "trainers/distributed/distributed_group.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <map>
#include <sstream>

namespace qb::train {

namespace {

// c10::Error::what() carries a C++ backtrace; users need the first line only.
std::string reason_of(const std::exception& e) {
  if (const auto* ce = dynamic_cast<const c10::Error*>(&e)) return ce->what_without_backtrace();
  return e.what();
}

std::string first_line(std::string s) {
  const auto nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  return s;
}

std::string seconds_text(double s) {
  std::ostringstream o;
  o << s;
  return o.str();
}

}  // namespace

struct DistributedGroup::Impl {
  c10::intrusive_ptr<::c10d::Store> store;
  c10::intrusive_ptr<::c10d::ProcessGroupGloo> pg;
};

DistributedGroup::DistributedGroup(const DistributedEnv& env) : env_(env), impl_(std::make_unique<Impl>()) {
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(env.timeout_seconds * 1000));
  const std::string where = "rank " + std::to_string(env.rank) + " of " + std::to_string(env.world_size);
  try {
    ::c10d::TCPStoreOptions o;
    o.port = static_cast<uint16_t>(env.master_port);
    o.isServer = env.rank == 0 && !env.launcher_store;
    o.numWorkers = env.world_size;
    o.waitWorkers = true;
    o.timeout = timeout;
    auto tcp = c10::make_intrusive<::c10d::TCPStore>(env.master_addr, o);
    // Keys of an earlier attempt (a launcher restarting the job) must not be read as this one's.
    impl_->store = c10::make_intrusive<::c10d::PrefixStore>(
        "qilin-train/attempt_" + std::to_string(env.restart_count), tcp);
  } catch (const std::exception& e) {
    throw std::runtime_error(where + ": cannot join the rendezvous store at " + env.master_addr + ":" +
                             std::to_string(env.master_port) + " within " + seconds_text(env.timeout_seconds) +
                             " s (" + first_line(reason_of(e)) +
                             "); is every rank started, MASTER_ADDR reachable and MASTER_PORT free?");
  }
  try {
    auto opts = ::c10d::ProcessGroupGloo::Options::create(timeout);
    // The device binds the interface that reaches MASTER_ADDR's side of this host: loopback on
    // one machine, the host's address on a cluster (GLOO_SOCKET_IFNAME overrides, as in PyTorch).
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
      opts->devices.push_back(::c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else if (env.master_addr == "127.0.0.1" || env.master_addr == "localhost")
      opts->devices.push_back(::c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
      opts->devices.push_back(::c10d::ProcessGroupGloo::createDefaultDevice());
    impl_->pg = c10::make_intrusive<::c10d::ProcessGroupGloo>(impl_->store, env.rank, env.world_size, opts);
  } catch (const std::exception& e) {
    throw std::runtime_error(where + ": cannot connect to the other ranks within " + seconds_text(env.timeout_seconds) +
                             " s (" + first_line(reason_of(e)) + ")");
  }
}

DistributedGroup::~DistributedGroup() = default;

namespace {

// Runs a collective, turning a lost or silent peer into one clear error.
template <class F>
void guarded(const DistributedEnv& env, const std::string& what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    // With two ranks the peer is known; with more, Gloo's reason names the peer's address.
    const std::string peer = env.world_size == 2 ? "rank " + std::to_string(1 - env.rank) : "a peer rank";
    throw std::runtime_error("rank " + std::to_string(env.rank) + " of " + std::to_string(env.world_size) + ": " +
                             what + " failed: " + first_line(reason_of(e)) + " (" + peer +
                             " exited, was killed, or did not answer within " + seconds_text(env.timeout_seconds) +
                             " s; QILIN_DIST_TIMEOUT sets the limit)");
  }
}

// Groups defined tensors into flat buckets of one dtype and at most `cap` bytes (a tensor
// larger than the cap gets a bucket of its own).
std::vector<std::vector<torch::Tensor>> buckets_of(const std::vector<torch::Tensor>& tensors, size_t cap) {
  std::map<c10::ScalarType, std::vector<std::vector<torch::Tensor>>> by_type;
  std::map<c10::ScalarType, size_t> fill;
  for (const auto& t : tensors) {
    if (!t.defined()) continue;
    auto& list = by_type[t.scalar_type()];
    const size_t bytes = static_cast<size_t>(t.numel()) * t.element_size();
    if (list.empty() || fill[t.scalar_type()] + bytes > cap) {
      list.emplace_back();
      fill[t.scalar_type()] = 0;
    }
    list.back().push_back(t);
    fill[t.scalar_type()] += bytes;
  }
  std::vector<std::vector<torch::Tensor>> out;
  for (auto& [type, list] : by_type)
    for (auto& b : list) out.push_back(std::move(b));
  return out;
}

torch::Tensor flatten(const std::vector<torch::Tensor>& bucket) {
  std::vector<torch::Tensor> flat;
  for (const auto& t : bucket) flat.push_back(t.detach().reshape({-1}));
  return torch::cat(flat);
}

void unflatten_into(const torch::Tensor& flat, const std::vector<torch::Tensor>& bucket) {
  torch::NoGradGuard ng;
  int64_t off = 0;
  for (const auto& t : bucket) {
    t.detach().copy_(flat.narrow(0, off, t.numel()).view(t.sizes()));
    off += t.numel();
  }
}

// One collective per bucket on a flat copy: every bucket is started (`start` returns its
// work) before any is waited for, so Gloo overlaps them; then the results are copied back.
template <class Start>
void run_bucketed(const std::vector<torch::Tensor>& tensors, size_t bucket_bytes, Start start) {
  auto buckets = buckets_of(tensors, bucket_bytes);
  std::vector<torch::Tensor> flats;
  std::vector<c10::intrusive_ptr<::c10d::Work>> works;
  for (const auto& b : buckets) {
    flats.push_back(flatten(b));
    std::vector<at::Tensor> one{flats.back()};
    works.push_back(start(one));
  }
  for (auto& w : works) w->wait();
  for (size_t i = 0; i < buckets.size(); ++i) unflatten_into(flats[i], buckets[i]);
}

}  // namespace

void DistributedGroup::all_reduce_sum(const std::vector<torch::Tensor>& tensors, const std::string& what,
                                      size_t bucket_bytes) {
  guarded(env_, what, [&] {
    run_bucketed(tensors, bucket_bytes, [&](std::vector<at::Tensor>& one) { return impl_->pg->allreduce(one); });
  });
}

void DistributedGroup::broadcast_from_rank0(const std::vector<torch::Tensor>& tensors, const std::string& what,
                                            size_t bucket_bytes) {
  guarded(env_, what, [&] {
    ::c10d::BroadcastOptions o;
    o.rootRank = 0;
    run_bucketed(tensors, bucket_bytes, [&](std::vector<at::Tensor>& one) { return impl_->pg->broadcast(one, o); });
  });
}

void DistributedGroup::barrier(const std::string& what) {
  guarded(env_, what, [&] { impl_->pg->barrier()->wait(); });
}

}  // namespace qb::train
