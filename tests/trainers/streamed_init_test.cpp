// `model init` writes tensor by tensor (save_model_streamed): the files must be byte-identical to
// building the whole model, init_weights and save_model, which is what it replaced.
#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "tests/testing/testing.h"
#include "tests/trainers/tiny_checkpoint.h"
#include "trainers/model/model_tools.h"

namespace qb {
namespace {

using testing::TempDir;
using testing::tiny_config;

TEST(StreamedInit, ParameterShapesAreNamedParametersInOrder) {
  for (auto c : {tiny_config(), tiny_config(Architecture::kBaichuan), tiny_config(Architecture::kLlama, 1, true)}) {
    LlamaModel m(c);
    const auto shapes = parameter_shapes(c);
    const auto params = m->named_parameters();
    ASSERT_EQ(shapes.size(), params.size());
    size_t i = 0;
    for (auto& p : params) {
      EXPECT_EQ(shapes[i].first, p.key());
      EXPECT_EQ(torch::IntArrayRef(shapes[i].second), p.value().sizes()) << p.key();
      ++i;
    }
  }
}

TEST(StreamedInit, SameBytesAsTheWholeModelPath) {
  for (auto c : {tiny_config(), tiny_config(Architecture::kBaichuan)}) {
    for (const std::string dtype : {"float32", "bfloat16"}) {
      for (int64_t shard : {int64_t{0}, int64_t{50000}}) {
        TempDir a, b;
        LlamaModel m(c);
        m->init_weights(17);
        save_model(a.path(), m, dtype, shard);
        init_random_checkpoint(c, b.path(), 17, dtype, shard);
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(a.path())) names.push_back(e.path().filename());
        // config + one file, or config + index + several shards
        if (shard) EXPECT_GT(names.size(), 4u); else EXPECT_EQ(names.size(), 2u);
        for (const auto& n : names)
          EXPECT_EQ(read_file(a.path() / n), read_file(b.path() / n)) << n << " " << dtype << " shard " << shard;
      }
    }
  }
}

}  // namespace
}  // namespace qb
