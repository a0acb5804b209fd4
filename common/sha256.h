// SHA-256 (FIPS 180-4), for content-addressed cache keys and data fingerprints.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace qb {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  std::string hex_digest();  // 64 lowercase hex digits; the object is spent afterwards

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view bytes);
// Streams the file; throws InputError naming it when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace qb
