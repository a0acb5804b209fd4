#include "common/string_index.h"

#include <gtest/gtest.h>

#include <string>

namespace qb {
namespace {

TEST(StringIndex, NumbersInInsertionOrderAndFindsRepeatsAcrossGrowth) {
  StringIndex index;
  EXPECT_EQ(index.insert("b"), std::make_pair(size_t{0}, true));
  EXPECT_EQ(index.insert("a"), std::make_pair(size_t{1}, true));
  EXPECT_EQ(index.insert("b"), std::make_pair(size_t{0}, false));
  EXPECT_EQ(index.insert(""), std::make_pair(size_t{2}, true));  // the empty string is a string
  EXPECT_EQ(index.insert(""), std::make_pair(size_t{2}, false));
  // Many more strings than the first table holds: every one keeps its number through the
  // re-indexing, and a repeat of any of them is found.
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(index.insert("id-" + std::to_string(i)).second) << i;
  for (int i = 0; i < 100000; i += 7)
    ASSERT_EQ(index.insert("id-" + std::to_string(i)), std::make_pair(size_t(3 + i), false)) << i;
  ASSERT_EQ(index.size(), 100003u);
  EXPECT_EQ(index.strings()[0], "b");
  EXPECT_EQ(index.strings()[3 + 4242], "id-4242");
}

}  // namespace
}  // namespace qb
