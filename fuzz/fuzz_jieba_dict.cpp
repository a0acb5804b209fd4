// A jieba dictionary (dict.txt lines "word freq [tag]") as a user's custom dictionary brings it:
// loaded from text, then used to segment a fixed sentence, so a malformed entry that loads must
// still leave a usable trie.
#include "fuzz/fuzz_input.h"
#include "metrics/jieba_dictionary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  qb::fuzz::expect_clean([&] {
    qb::JiebaDictionary dict;
    dict.load_text({reinterpret_cast<const char*>(data), size}, "dict.txt");
    // Walk every code point of a short medical sentence from the root.
    const UChar32 text[] = {0x9AD8, 0x8840, 0x538B, 0x60A3, 0x8005, 0x5E94, 0x5F53, 0x670D, 0x836F};
    for (UChar32 c : text) (void)dict.step(dict.root(), c);
  });
  return 0;
}
