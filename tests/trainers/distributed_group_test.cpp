// DistributedGroup's collectives with two ranks inside one process (one thread each) over
// 127.0.0.1: bucketed all-reduce sums exactly across many buckets and two dtypes, skips
// undefined tensors, and broadcast copies rank 0's values.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include "trainers/distributed/distributed_group.h"

namespace qb::train {
namespace {

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// Runs body(group) on ranks 0 and 1, each on its own thread, and rethrows a rank's failure.
void on_two_ranks(const std::function<void(DistributedGroup&)>& body) {
  const int port = free_port();
  std::exception_ptr failure[2];
  auto rank = [&](int r) {
    try {
      DistributedEnv env;
      env.rank = r, env.world_size = 2, env.master_addr = "127.0.0.1", env.master_port = port;
      env.timeout_seconds = 30;
      DistributedGroup g(env);
      body(g);
    } catch (...) {
      failure[r] = std::current_exception();
    }
  };
  std::thread t1(rank, 1);
  rank(0);
  t1.join();
  for (auto& f : failure)
    if (f) std::rethrow_exception(f);
}

// Integer-valued tensors (exact in float32 and float64) that differ by rank.
std::vector<torch::Tensor> tensors_of_rank(int r) {
  return {torch::arange(0, 10, torch::kFloat32) + 100 * r,
          torch::full({3, 7}, 1.0 + r, torch::kFloat32),
          torch::Tensor(),  // undefined (a parameter without gradient): skipped
          torch::arange(0, 5, torch::kFloat64) * (r + 1),
          torch::arange(0, 64, torch::kFloat32).view({8, 8}) * (r + 2),  // 256 bytes: its own bucket
          torch::full({2}, -3.0 * r, torch::kFloat32)};
}

TEST(DistributedGroup, BucketedAllReduceSumsEveryTensorExactly) {
  std::vector<torch::Tensor> got[2];
  on_two_ranks([&](DistributedGroup& g) {
    auto ts = tensors_of_rank(g.rank());
    g.all_reduce_sum(ts, "test all-reduce", /*bucket_bytes=*/64);  // many buckets, some over the cap
    got[g.rank()] = ts;
  });
  auto a = tensors_of_rank(0), b = tensors_of_rank(1);
  for (int r = 0; r < 2; ++r) {
    ASSERT_EQ(got[r].size(), a.size());
    for (size_t i = 0; i < a.size(); ++i) {
      if (!a[i].defined()) {
        EXPECT_FALSE(got[r][i].defined());
        continue;
      }
      EXPECT_EQ(got[r][i].scalar_type(), a[i].scalar_type());
      EXPECT_TRUE(torch::equal(got[r][i], a[i] + b[i])) << "rank " << r << " tensor " << i;
    }
  }
}

TEST(DistributedGroup, BroadcastCopiesRankZerosValuesAndBarrierReturns) {
  std::vector<torch::Tensor> got[2];
  on_two_ranks([&](DistributedGroup& g) {
    auto ts = tensors_of_rank(g.rank());
    g.broadcast_from_rank0(ts, "test broadcast", /*bucket_bytes=*/48);
    g.barrier("test barrier");
    got[g.rank()] = ts;
  });
  auto a = tensors_of_rank(0);
  for (int r = 0; r < 2; ++r)
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].defined()) EXPECT_TRUE(torch::equal(got[r][i], a[i])) << "rank " << r << " tensor " << i;
}

TEST(DistributedGroup, UnreachableStoreFailsWithinTheTimeoutNamingIt) {
  DistributedEnv env;
  env.rank = 1, env.world_size = 2, env.master_addr = "127.0.0.1", env.master_port = free_port();
  env.timeout_seconds = 1;
  try {
    DistributedGroup g(env);
    FAIL() << "joined a store nobody serves";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("rank 1 of 2: cannot join the rendezvous store at 127.0.0.1:" +
                            std::to_string(env.master_port) + " within 1 s (",
                        0),
              0u)
        << msg;
    EXPECT_NE(msg.find("is every rank started, MASTER_ADDR reachable and MASTER_PORT free?"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace qb::train
