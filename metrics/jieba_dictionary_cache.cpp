#include "metrics/jieba_dictionary_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "common/atomic_file.h"
#include "common/fnv1a.h"

namespace qb {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'Q', 'B', 'J', 'I', 'E', 'B', 'A', '\n'};
constexpr uint32_t kFormat = 2;  // 2: has-children flags in the trie entries
constexpr size_t kHeaderBytes = 128;

struct Header {
  char magic[8];
  uint32_t format, header_bytes;
  // The dictionary file when the cache was built.
  uint64_t source_size;
  int64_t source_mtime_ns;
  uint64_t source_inode;
  uint64_t source_fnv;
  // The trie.
  uint64_t node_count, table_size, used;
  int64_t total;
  double log_total;
  uint64_t data_checksum;  // of every byte after the header
};
static_assert(sizeof(Header) <= kHeaderBytes, "header fits its slot");

}  // namespace

// Four independent multiply-xor lanes over 64-bit words, so it runs near memory speed; any
// single changed word changes it.
uint64_t cache_checksum(const void* data, size_t n) {
  const auto* w = static_cast<const uint64_t*>(data);
  uint64_t h[4] = {0x9E3779B97F4A7C15ull, 0xC2B2AE3D27D4EB4Full, 0x165667B19E3779F9ull, 0x27D4EB2F165667C5ull};
  for (size_t i = 0; i + 4 <= n / 8; i += 4)
    for (int k = 0; k < 4; ++k) h[k] = (h[k] ^ w[i + k]) * 0x100000001b3ull + (h[k] >> 29);
  return h[0] ^ (h[1] * 3) ^ (h[2] * 5) ^ (h[3] * 7) ^ n;
}

bool cache_source_id(const std::string& path, CacheSourceId& id) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  id.size = static_cast<uint64_t>(st.st_size);
  id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  id.inode = static_cast<uint64_t>(st.st_ino);
  return true;
}

namespace {

size_t padded(size_t bytes) { return (bytes + 31) / 32 * 32; }

struct Layout {
  size_t freq_off, root_off, table_off, total;
};
Layout layout(uint64_t node_count, uint64_t table_size) {
  Layout l;
  l.freq_off = kHeaderBytes;
  l.root_off = l.freq_off + padded(node_count * 8);
  l.table_off = l.root_off + JiebaDictionary::kRootSize * JiebaDictionary::kEntryBytes;
  l.total = l.table_off + padded(table_size * JiebaDictionary::kEntryBytes);
  return l;
}

using SourceId = CacheSourceId;

struct Mapping {
  void* addr = MAP_FAILED;
  size_t size = 0;
  ~Mapping() {
    if (addr != MAP_FAILED) munmap(addr, size);
  }
};

// Why the cache at `file` cannot be used ("" = it can), after mapping it into `dict`.
std::string try_cache(const fs::path& file, const SourceId& src, JiebaDictionary& dict, uint64_t& fnv, bool& absent) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    absent = true;
    return "absent";
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || static_cast<size_t>(st.st_size) < kHeaderBytes) {
    ::close(fd);
    return "corrupt (shorter than its header)";
  }
  auto map = std::make_shared<Mapping>();
  map->size = static_cast<size_t>(st.st_size);
  map->addr = mmap(nullptr, map->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (map->addr == MAP_FAILED) return std::string("unreadable (mmap: ") + std::strerror(errno) + ")";
  const char* base = static_cast<const char*>(map->addr);
  Header h;
  std::memcpy(&h, base, sizeof h);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) return "corrupt (not a qilin-bench jieba cache)";
  if (h.format != kFormat || h.header_bytes != kHeaderBytes)
    return "corrupt (format " + std::to_string(h.format) + " in a file named for format " + std::to_string(kFormat) + ")";
  if (!(SourceId{h.source_size, h.source_mtime_ns, h.source_inode} == src))
    return "stale (the dictionary file changed since the cache was built)";
  if (h.node_count == 0 || h.node_count > (1u << 21) || h.table_size > (uint64_t{1} << 32))
    return "corrupt (impossible sizes)";
  const Layout l = layout(h.node_count, h.table_size);
  if (l.total != map->size)
    return "corrupt (" + std::to_string(map->size) + " bytes, expected " + std::to_string(l.total) + ")";
  if (cache_checksum(base + kHeaderBytes, l.total - kHeaderBytes) != h.data_checksum) return "corrupt (checksum mismatch)";
  JiebaDictionary::Image im;
  im.node_count = h.node_count;
  im.table_size = h.table_size;
  im.used = h.used;
  im.total = h.total;
  im.log_total = h.log_total;
  im.freq = base + l.freq_off;
  im.root = base + l.root_off;
  im.table = base + l.table_off;
  try {
    dict.adopt(im, map);
  } catch (const std::invalid_argument& e) {
    return std::string("corrupt (") + e.what() + ")";
  }
  fnv = h.source_fnv;
  return "";
}

void write_cache(const fs::path& file, const SourceId& src, uint64_t fnv, const JiebaDictionary& dict) {
  const JiebaDictionary::Image im = dict.image();
  const Layout l = layout(im.node_count, im.table_size);
  std::string bytes(l.total, '\0');
  std::memcpy(bytes.data() + l.freq_off, im.freq, im.node_count * 8);
  std::memcpy(bytes.data() + l.root_off, im.root, JiebaDictionary::kRootSize * JiebaDictionary::kEntryBytes);
  std::memcpy(bytes.data() + l.table_off, im.table, im.table_size * JiebaDictionary::kEntryBytes);
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.format = kFormat;
  h.header_bytes = kHeaderBytes;
  h.source_size = src.size;
  h.source_mtime_ns = src.mtime_ns;
  h.source_inode = src.inode;
  h.source_fnv = fnv;
  h.node_count = im.node_count;
  h.table_size = im.table_size;
  h.used = im.used;
  h.total = im.total;
  h.log_total = im.log_total;
  h.data_checksum = cache_checksum(bytes.data() + kHeaderBytes, l.total - kHeaderBytes);
  std::memcpy(bytes.data(), &h, sizeof h);
  write_file_atomic(file, bytes);
}

}  // namespace

fs::path qilin_cache_dir() {
  if (const char* d = std::getenv("QILIN_CACHE_DIR"); d && *d) return std::string(d) == "off" ? fs::path() : fs::path(d);
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "qilin-bench";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "qilin-bench";
  return {};
}

fs::path jieba_dictionary_cache_file(const std::string& dict_path) {
  const fs::path dir = qilin_cache_dir();
  if (dir.empty()) return {};
  std::error_code ec;
  const fs::path abs = fs::absolute(dict_path, ec);
  // The format is in the name, so binaries of different formats never rebuild each other's.
  return dir / ("jieba-dict-v" + std::to_string(kFormat) + "-" + hex16(fnv1a(ec ? dict_path : abs.string())) + ".bin");
}

uint64_t load_jieba_dictionary(JiebaDictionary& dict, const std::string& dict_path) {
  const fs::path file = jieba_dictionary_cache_file(dict_path);
  SourceId src;
  const bool have_source = cache_source_id(dict_path, src) && src.size >= kMinCachedSourceBytes;
  if (!file.empty() && have_source) {
    uint64_t fnv = 0;
    bool absent = false;
    const std::string why = try_cache(file, src, dict, fnv, absent);
    if (why.empty()) return fnv;
    if (!absent)
      std::cerr << "qilin-bench: jieba dictionary cache " << file.string() << " is " << why << "; rebuilding it from "
                << dict_path << "\n";
  }
  const std::string text = read_file(dict_path);  // InputError naming the file when unreadable
  dict.load_text(text, dict_path);
  const uint64_t fnv = fnv1a(text);
  if (!file.empty() && have_source) {
    try {
      write_cache(file, src, fnv, dict);
    } catch (const std::exception&) {
      // An unwritable cache directory only costs this parse next time too.
    }
  }
  return fnv;
}

}  // namespace qb
