#include "trainers/tokenizer/sentencepiece/spm_wrapper.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#define QB_EXPORT __attribute__((visibility("default")))

namespace {
void set_error(char* err, size_t len, const std::string& msg) {
  if (err && len) {
    std::strncpy(err, msg.c_str(), len - 1);
    err[len - 1] = '\0';
  }
}
sentencepiece::SentencePieceProcessor* cast(void* sp) { return static_cast<sentencepiece::SentencePieceProcessor*>(sp); }
}  // namespace

extern "C" {

QB_EXPORT void* qb_spm_load(const char* model_path, char* err, size_t err_len) {
  auto* sp = new sentencepiece::SentencePieceProcessor();
  const auto status = sp->Load(model_path);
  if (!status.ok()) {
    set_error(err, err_len, status.ToString());
    delete sp;
    return nullptr;
  }
  return sp;
}

QB_EXPORT void qb_spm_free(void* sp) { delete cast(sp); }

QB_EXPORT int qb_spm_encode(void* sp, const char* text, size_t len, int** ids, size_t* n) {
  std::vector<int> out;
  if (!cast(sp)->Encode(std::string(text, len), &out).ok()) return 1;
  *n = out.size();
  *ids = static_cast<int*>(std::malloc(sizeof(int) * (out.size() ? out.size() : 1)));
  if (!out.empty()) std::memcpy(*ids, out.data(), sizeof(int) * out.size());
  return 0;
}

QB_EXPORT char* qb_spm_decode(void* sp, const int* ids, size_t n, size_t* len) {
  std::string text;
  if (!cast(sp)->Decode(std::vector<int>(ids, ids + n), &text).ok()) text.clear();
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  *len = text.size();
  return out;
}

QB_EXPORT void qb_spm_release(void* buffer) { std::free(buffer); }
QB_EXPORT int qb_spm_vocab_size(void* sp) { return cast(sp)->GetPieceSize(); }
QB_EXPORT int qb_spm_bos_id(void* sp) { return cast(sp)->bos_id(); }
QB_EXPORT int qb_spm_eos_id(void* sp) { return cast(sp)->eos_id(); }
QB_EXPORT int qb_spm_pad_id(void* sp) { return cast(sp)->pad_id(); }
QB_EXPORT int qb_spm_unk_id(void* sp) { return cast(sp)->unk_id(); }

QB_EXPORT int qb_spm_train(const char* args, char* err, size_t err_len) {
  const auto status = sentencepiece::SentencePieceTrainer::Train(args);
  if (!status.ok()) {
    set_error(err, err_len, status.ToString());
    return 1;
  }
  return 0;
}
}
