#include <gtest/gtest.h>

#include "common/sha256.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {

// Expected digests from coreutils sha256sum.
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, StreamingEqualsOneShotAcrossBlockBoundaries) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>('a' + i % 26);
  for (size_t cut : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 127u, 999u}) {
    Sha256 h;
    h.update(std::string_view(data).substr(0, cut));
    h.update(std::string_view(data).substr(cut));
    EXPECT_EQ(h.hex_digest(), sha256_hex(data)) << cut;
  }
}

TEST(Sha256, FileMatchesSha256sum) {
  testing::TempDir dir;
  auto p = testing::write_fixture(dir / "x.txt", "病毒性感冒\n");
  auto r = testing::run_command({"sha256sum", p.string()});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(sha256_file(p), r.out.substr(0, 64));
}

}  // namespace
}  // namespace qb
