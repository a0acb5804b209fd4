// The checkpoint metadata a downloaded model brings: a safetensors header (its JSON, validated
// against the file's size) and the shard index (model.safetensors.index.json). The first input
// byte picks which; for the header, the next 8 bytes give the file size it is checked against.
#include <cstring>
#include <filesystem>
#include <string>

#include "fuzz/fuzz_input.h"
#include "trainers/checkpoint/checkpoint_layout.h"
#include "trainers/checkpoint/safetensors_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 9) return 0;
  if (data[0] % 3 == 0) {  // the header JSON alone, with a file size from the input
    uint64_t file_size = 0;
    std::memcpy(&file_size, data + 1, 8);
    const std::string header(reinterpret_cast<const char*>(data) + 9, size - 9);
    qb::fuzz::expect_clean([&] { qb::parse_safetensors_header(header, file_size, "model.safetensors"); });
  } else if (data[0] % 3 == 1) {  // a whole .safetensors file: 8-byte length, header, data
    const auto path = qb::fuzz::write_scratch({reinterpret_cast<const char*>(data) + 1, size - 1}, "model.safetensors");
    qb::fuzz::expect_clean([&] { qb::read_safetensors_header(path); });
  } else {  // a checkpoint directory whose index is the input (config.json and one shard exist)
    static const std::filesystem::path dir = [] {
      auto d = qb::fuzz::write_scratch("", "ckpt");
      std::filesystem::remove(d);
      std::filesystem::create_directories(d);
      std::fclose(std::fopen((d / "config.json").c_str(), "wb"));  // the layout only checks it exists
      return d;
    }();
    FILE* f = std::fopen((dir / "model.safetensors.index.json").c_str(), "wb");
    std::fwrite(data + 1, 1, size - 1, f);
    std::fclose(f);
    FILE* s = std::fopen((dir / "model-00001-of-00001.safetensors").c_str(), "wb");
    std::fclose(s);
    qb::fuzz::expect_clean([&] { qb::find_checkpoint_layout(dir); });
  }
  return 0;
}
