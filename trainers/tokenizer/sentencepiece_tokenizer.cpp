#include "trainers/tokenizer/sentencepiece_tokenizer.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "common/error.h"
#include "common/utf8.h"

#ifndef QILIN_SPM_WRAPPER
#define QILIN_SPM_WRAPPER "libqilin_spm_wrapper.so"
#endif

namespace qb {

struct SentencePieceTokenizer::Api {
  void* (*load)(const char*, char*, size_t);
  void (*free_sp)(void*);
  int (*encode)(void*, const char*, size_t, int**, size_t*);
  char* (*decode)(void*, const int*, size_t, size_t*);
  void (*release)(void*);
  int (*vocab_size)(void*);
  int (*bos)(void*);
  int (*eos)(void*);
  int (*pad)(void*);
  int (*unk)(void*);
  int (*train)(const char*, char*, size_t);
};

std::string sentencepiece_wrapper_path() {
  if (const char* env = std::getenv("QILIN_SPM_WRAPPER"); env && *env) return env;
  // An installed tree: PREFIX/bin/qilin-bench-torch beside PREFIX/lib/qilin-bench/ (the install
  // rules in trainers/CMakeLists.txt). The build tree's binaries have no such folder and use
  // the path compiled in.
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    const std::filesystem::path exe(std::string(buf, static_cast<size_t>(n)));
    const auto installed = exe.parent_path().parent_path() / "lib" / "qilin-bench" / "libqilin_spm_wrapper.so";
    std::error_code ec;
    if (std::filesystem::is_regular_file(installed, ec)) return installed.string();
  }
  return QILIN_SPM_WRAPPER;
}

namespace {

// Loaded once per process; RTLD_DEEPBIND keeps the wrapper's protobuf apart from libtorch's.
const SentencePieceTokenizer::Api& api(const std::string& for_file) {
  static std::once_flag once;
  static SentencePieceTokenizer::Api a{};
  static std::string error;
  std::call_once(once, [] {
    const std::string path = sentencepiece_wrapper_path();
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!h) {
      error = std::string("cannot load the SentencePiece wrapper: ") + dlerror();
      return;
    }
    auto sym = [&](const char* name) {
      void* s = dlsym(h, name);
      if (!s && error.empty()) error = std::string("SentencePiece wrapper lacks ") + name;
      return s;
    };
    a.load = reinterpret_cast<decltype(a.load)>(sym("qb_spm_load"));
    a.free_sp = reinterpret_cast<decltype(a.free_sp)>(sym("qb_spm_free"));
    a.encode = reinterpret_cast<decltype(a.encode)>(sym("qb_spm_encode"));
    a.decode = reinterpret_cast<decltype(a.decode)>(sym("qb_spm_decode"));
    a.release = reinterpret_cast<decltype(a.release)>(sym("qb_spm_release"));
    a.vocab_size = reinterpret_cast<decltype(a.vocab_size)>(sym("qb_spm_vocab_size"));
    a.bos = reinterpret_cast<decltype(a.bos)>(sym("qb_spm_bos_id"));
    a.eos = reinterpret_cast<decltype(a.eos)>(sym("qb_spm_eos_id"));
    a.pad = reinterpret_cast<decltype(a.pad)>(sym("qb_spm_pad_id"));
    a.unk = reinterpret_cast<decltype(a.unk)>(sym("qb_spm_unk_id"));
    a.train = reinterpret_cast<decltype(a.train)>(sym("qb_spm_train"));
  });
  if (!error.empty()) throw InputError(for_file, "tokenizer", error);
  return a;
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(const std::filesystem::path& model_file)
    : api_(&api(model_file.string())), file_(model_file.string()) {
  char err[512] = {0};
  sp_ = api_->load(file_.c_str(), err, sizeof err);
  if (!sp_) throw InputError(file_, "tokenizer", std::string("not a SentencePiece model: ") + err);
}

SentencePieceTokenizer::~SentencePieceTokenizer() {
  if (sp_) api_->free_sp(sp_);
}

std::vector<int64_t> SentencePieceTokenizer::encode(std::string_view text) const {
  int* ids = nullptr;
  size_t n = 0;
  if (api_->encode(sp_, text.data(), text.size(), &ids, &n) != 0)
    throw InputError(file_, "encode", "SentencePiece failed to encode the text");
  std::vector<int64_t> out(ids, ids + n);
  api_->release(ids);
  return out;
}

std::string SentencePieceTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::vector<int> in;
  const int64_t v = vocab_size();
  for (int64_t id : ids)
    if (id >= 0 && id < v && id != bos_id() && id != eos_id()) in.push_back(static_cast<int>(id));
  size_t len = 0;
  char* text = api_->decode(sp_, in.data(), in.size(), &len);
  std::string out(text, len);
  api_->release(text);
  return out;
}

int64_t SentencePieceTokenizer::vocab_size() const { return api_->vocab_size(sp_); }
int64_t SentencePieceTokenizer::pad_id() const {
  const int p = api_->pad(sp_);
  return p >= 0 ? p : unk_id();
}
int64_t SentencePieceTokenizer::bos_id() const { return api_->bos(sp_); }
int64_t SentencePieceTokenizer::eos_id() const { return api_->eos(sp_); }
int64_t SentencePieceTokenizer::unk_id() const { return api_->unk(sp_); }
std::string SentencePieceTokenizer::signature() const { return "sentencepiece:" + std::to_string(vocab_size()); }

void SentencePieceTokenizer::train(const std::string& flags) {
  const auto& a = api("sentencepiece");
  char err[512] = {0};
  if (a.train(flags.c_str(), err, sizeof err) != 0) throw InputError("sentencepiece", "training", err);
}

}  // namespace qb
