/* Tessera guest kit: the syscalls of docs/guest-abi.md as C functions.
 *
 * A guest's main() reads its input with tessera_input_len/tessera_input_read, writes output with
 * tessera_write, and publishes results with tessera_commit. Returning from main (or calling
 * tessera_exit) commits the SHA-256 digest of everything passed to tessera_commit, then halts. */
#ifndef TESSERA_H
#define TESSERA_H

#include <stddef.h>
#include <stdint.h>

#define TESSERA_SYS_HALT 0x00u
#define TESSERA_SYS_WRITE 0x02u
#define TESSERA_SYS_COMMIT 0x10u
#define TESSERA_SYS_COMMIT_DEFERRED_PROOFS 0x1Au
#define TESSERA_SYS_VERIFY_PROOF 0x1Bu
#define TESSERA_SYS_HINT_LEN 0xF0u
#define TESSERA_SYS_HINT_READ 0xF1u
#define TESSERA_SYS_SHA_EXTEND 0x30010005u
#define TESSERA_SYS_SHA_COMPRESS 0x01010006u
#define TESSERA_SYS_KECCAK_SPONGE 0x01010009u
#define TESSERA_SYS_POSEIDON2_PERMUTE 0x00010030u

#define TESSERA_FD_STDOUT 1
#define TESSERA_FD_STDERR 2
#define TESSERA_FD_PUBLIC_VALUES 13
#define TESSERA_FD_INPUT 14

static inline uint32_t tessera_syscall(uint32_t number, uint32_t a0, uint32_t a1, uint32_t a2)
{
    register uint32_t v0 __asm__("$2") = number;
    register uint32_t r4 __asm__("$4") = a0;
    register uint32_t r5 __asm__("$5") = a1;
    register uint32_t r6 __asm__("$6") = a2;
    __asm__ volatile("syscall" : "+r"(v0) : "r"(r4), "r"(r5), "r"(r6) : "memory");
    return v0;
}

/* Output: fd 1 stdout, fd 2 stderr, fd 13 public values, fd 14 appends an input buffer. */
static inline void tessera_write(int fd, const void *buf, size_t len)
{
    tessera_syscall(TESSERA_SYS_WRITE, (uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)len);
}

/* Input: the length of the next input buffer (the run fails if none is left), then its bytes.
 * buf must be 4-aligned and len must equal tessera_input_len(). */
static inline size_t tessera_input_len(void)
{
    return tessera_syscall(TESSERA_SYS_HINT_LEN, 0, 0, 0);
}

static inline void tessera_input_read(void *buf, size_t len)
{
    tessera_syscall(TESSERA_SYS_HINT_READ, (uint32_t)(uintptr_t)buf, (uint32_t)len, 0);
}

/* Stops the run at once with exit code `code` (0 = success), committing nothing. */
__attribute__((noreturn)) static inline void tessera_halt(uint32_t code)
{
    tessera_syscall(TESSERA_SYS_HALT, code, 0, 0);
    __builtin_unreachable();
}

/* Precompiles. All pointers 4-aligned. */
static inline void tessera_sha256_extend(uint32_t w[64])
{
    tessera_syscall(TESSERA_SYS_SHA_EXTEND, (uint32_t)(uintptr_t)w, 0, 0);
}

static inline void tessera_sha256_compress(const uint32_t w[64], uint32_t state[8])
{
    tessera_syscall(TESSERA_SYS_SHA_COMPRESS, (uint32_t)(uintptr_t)w, (uint32_t)(uintptr_t)state, 0);
}

/* input: padded message, a multiple of 36 words; result[16] must hold that word count. */
static inline void tessera_keccak_sponge(const uint32_t *input, uint32_t result[17])
{
    tessera_syscall(TESSERA_SYS_KECCAK_SPONGE, (uint32_t)(uintptr_t)input, (uint32_t)(uintptr_t)result, 0);
}

/* Every word must be a canonical KoalaBear element (below 2^31 - 2^24 + 1). */
static inline void tessera_poseidon2_permute(uint32_t state[16])
{
    tessera_syscall(TESSERA_SYS_POSEIDON2_PERMUTE, (uint32_t)(uintptr_t)state, 0, 0);
}

static inline void tessera_verify_proof(const uint32_t vk_digest[8], const uint8_t pv_digest[32])
{
    tessera_syscall(TESSERA_SYS_VERIFY_PROOF, (uint32_t)(uintptr_t)vk_digest, (uint32_t)(uintptr_t)pv_digest, 0);
}

static inline void tessera_commit_deferred_proofs(const uint32_t digest[8])
{
    for (uint32_t i = 0; i < 8; i++)
        tessera_syscall(TESSERA_SYS_COMMIT_DEFERRED_PROOFS, i, digest[i], 0);
}

/* Public values: appends bytes to the public-value stream (fd 13) and to its running SHA-256. */
void tessera_commit(const void *buf, size_t len);

/* Commits the SHA-256 digest of the public values word by word, then halts with `code`. */
__attribute__((noreturn)) void tessera_exit(uint32_t code);

/* SHA-256 in software (used for the public-values digest; also available to guests). */
typedef struct {
    uint32_t state[8];
    uint64_t length;
    uint8_t block[64];
    uint32_t used;
} tessera_sha256_ctx;

void tessera_sha256_init(tessera_sha256_ctx *ctx);
void tessera_sha256_update(tessera_sha256_ctx *ctx, const void *data, size_t len);
void tessera_sha256_final(tessera_sha256_ctx *ctx, uint8_t digest[32]);

/* Bump allocation from the end of the program's data; never freed. Halts with exit code 3 when
 * memory runs out (the top 16 MiB below 0x7F000000 are left to the stack). */
void *tessera_alloc(size_t size);

/* Small helpers guests often need. */
void tessera_print(const char *s);
void tessera_print_hex(const uint8_t *bytes, size_t len);
void tessera_print_u32(uint32_t value);

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
