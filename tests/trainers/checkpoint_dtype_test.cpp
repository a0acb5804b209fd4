// Inference keeps the stored dtype: a bf16 checkpoint loads as bf16 tensors that point into the
// file's memory map (no copy), while training's load_model(dir) still gives owned fp32 weights.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "tests/testing/testing.h"
#include "tests/trainers/tiny_checkpoint.h"
#include "trainers/checkpoint/compute_dtype.h"
#include "trainers/checkpoint/safetensors.h"

namespace qb {
namespace {

using testing::TempDir;
using testing::tiny_config;

// True when `p` lies in a mapping of `file` (per /proc/self/maps).
bool address_in_mapping_of(const void* p, const std::filesystem::path& file) {
  std::ifstream maps("/proc/self/maps");
  const auto a = reinterpret_cast<uintptr_t>(p);
  const std::string want = std::filesystem::canonical(file).string();
  for (std::string line; std::getline(maps, line);) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream in(line);
    in >> std::hex >> lo >> dash >> hi;
    if (a >= lo && a < hi) return line.size() >= want.size() && line.substr(line.size() - want.size()) == want;
  }
  return false;
}

TEST(CheckpointDtype, InferenceUsesBf16WeightsFromTheMapTrainingCopiesFp32) {
  TempDir dir;
  LlamaModel m(tiny_config());
  m->init_weights(3);
  save_model(dir.path(), m, "bfloat16");
  EXPECT_EQ(stored_weight_dtype(dir.path()), "bfloat16");
  EXPECT_EQ(resolve_compute_dtype(dir.path(), "auto"), "bfloat16");
  EXPECT_EQ(resolve_compute_dtype(dir.path(), "fp32"), "float32");

  LoadOptions lo;
  lo.dtype = "bfloat16";
  lo.inference = true;
  LlamaModel inf = load_model(dir.path(), lo);
  const auto file = dir.path() / "model.safetensors";
  for (auto& p : inf->named_parameters()) {
    EXPECT_EQ(p.value().scalar_type(), torch::kBFloat16) << p.key();
    EXPECT_FALSE(p.value().requires_grad()) << p.key();
    EXPECT_TRUE(address_in_mapping_of(p.value().data_ptr(), file)) << p.key() << " was copied";
  }
  // The module's member tensor is the registered parameter (set_data kept them one tensor).
  auto* attn = inf->model->layers->ptr<LlamaDecoderLayerImpl>(0)->self_attn.get();
  EXPECT_EQ(attn->q_proj->weight.scalar_type(), torch::kBFloat16);

  LlamaModel train = load_model(dir.path());
  for (auto& p : train->named_parameters()) {
    EXPECT_EQ(p.value().scalar_type(), torch::kFloat32) << p.key();
    EXPECT_FALSE(address_in_mapping_of(p.value().data_ptr(), file)) << p.key();
  }
  // Same stored values: bf16 -> fp32 is exact.
  EXPECT_TRUE(torch::equal(train->model->embed_tokens->weight, inf->model->embed_tokens->weight.to(torch::kFloat32)));

  // fp32 inference of a bf16 checkpoint converts once (owned fp32 copies).
  lo.dtype = "float32";
  LlamaModel widened = load_model(dir.path(), lo);
  for (auto& p : widened->named_parameters()) {
    EXPECT_EQ(p.value().scalar_type(), torch::kFloat32) << p.key();
    EXPECT_FALSE(address_in_mapping_of(p.value().data_ptr(), file)) << p.key();
  }
  // An in-place change to a mapped weight (a merged adapter) stays in memory, not in the file.
  const std::string before = read_file(file);
  {
    torch::NoGradGuard ng;
    inf->model->embed_tokens->weight.add_(1.0);
  }
  EXPECT_EQ(read_file(file), before);
}

TEST(CheckpointDtype, Fp16StorageComputesInFp32AndFp16IsRefused) {
  TempDir dir;
  LlamaModel m(tiny_config());
  m->init_weights(3);
  save_model(dir.path(), m, "float16");
  EXPECT_EQ(resolve_compute_dtype(dir.path(), "auto"), "float32");
  try {
    resolve_compute_dtype(dir.path(), "fp16");
    FAIL() << "fp16 accepted";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "--dtype: 'fp16': fp16 compute is not supported on CPU (libtorch 1.13 has no fp16 matmul); use auto, fp32 or bf16");
  }
}

}  // namespace
}  // namespace qb
