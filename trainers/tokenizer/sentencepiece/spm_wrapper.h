// C ABI of the SentencePiece wrapper library (libqilin_spm_wrapper.so). libsentencepiece
// carries its own protobuf 3.14 and a program linking it beside libtorch (protobuf 3.21)
// crashes before main (TOOLCHAIN.md), so it is only ever dlopen'ed with
// RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND, and only these plain-C functions cross over.
#pragma once

#include <stddef.h>

extern "C" {
// Returns a processor handle, or null with a message in err.
void* qb_spm_load(const char* model_path, char* err, size_t err_len);
void qb_spm_free(void* sp);
// Ids of text; *ids is malloc'ed (release with qb_spm_release). Returns 0 on success.
int qb_spm_encode(void* sp, const char* text, size_t len, int** ids, size_t* n);
// Text of ids (controls such as <s> dropped); malloc'ed, NUL-terminated, length in *len.
char* qb_spm_decode(void* sp, const int* ids, size_t n, size_t* len);
void qb_spm_release(void* buffer);
int qb_spm_vocab_size(void* sp);
int qb_spm_bos_id(void* sp);
int qb_spm_eos_id(void* sp);
int qb_spm_pad_id(void* sp);
int qb_spm_unk_id(void* sp);
// SentencePieceTrainer::Train with a flag string ("--input=a.txt --model_prefix=m ...").
int qb_spm_train(const char* args, char* err, size_t err_len);
}
