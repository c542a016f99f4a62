/* Tessera guest kit runtime: public values, exit, software SHA-256 and libc basics. */
#include "tessera.h"

static tessera_sha256_ctx public_values_hash;
static int public_values_started;

static void public_values_begin(void)
{
    if (!public_values_started) {
        tessera_sha256_init(&public_values_hash);
        public_values_started = 1;
    }
}

void tessera_commit(const void *buf, size_t len)
{
    public_values_begin();
    tessera_write(TESSERA_FD_PUBLIC_VALUES, buf, len);
    tessera_sha256_update(&public_values_hash, buf, len);
}

void tessera_exit(uint32_t code)
{
    uint8_t digest[32];
    public_values_begin();
    tessera_sha256_final(&public_values_hash, digest);
    for (uint32_t i = 0; i < 8; i++) {
        uint32_t word = (uint32_t)digest[4 * i] | (uint32_t)digest[4 * i + 1] << 8 |
                        (uint32_t)digest[4 * i + 2] << 16 | (uint32_t)digest[4 * i + 3] << 24;
        tessera_syscall(TESSERA_SYS_COMMIT, i, word, 0);
    }
    tessera_halt(code);
}

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t state[8], const uint8_t block[64])
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
               (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

void tessera_sha256_init(tessera_sha256_ctx *ctx)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    for (int i = 0; i < 8; i++)
        ctx->state[i] = iv[i];
    ctx->length = 0;
    ctx->used = 0;
}

void tessera_sha256_update(tessera_sha256_ctx *ctx, const void *data, size_t len)
{
    const uint8_t *p = data;
    ctx->length += len;
    while (len > 0) {
        size_t take = 64 - ctx->used;
        if (take > len)
            take = len;
        memcpy(ctx->block + ctx->used, p, take);
        ctx->used += take;
        p += take;
        len -= take;
        if (ctx->used == 64) {
            sha256_block(ctx->state, ctx->block);
            ctx->used = 0;
        }
    }
}

void tessera_sha256_final(tessera_sha256_ctx *ctx, uint8_t digest[32])
{
    uint64_t bits = ctx->length * 8;
    uint8_t pad = 0x80;
    tessera_sha256_update(ctx, &pad, 1);
    pad = 0;
    while (ctx->used != 56)
        tessera_sha256_update(ctx, &pad, 1);
    uint8_t len_be[8];
    for (int i = 0; i < 8; i++)
        len_be[i] = (uint8_t)(bits >> (56 - 8 * i));
    tessera_sha256_update(ctx, len_be, 8);
    for (int i = 0; i < 8; i++) {
        digest[4 * i] = (uint8_t)(ctx->state[i] >> 24);
        digest[4 * i + 1] = (uint8_t)(ctx->state[i] >> 16);
        digest[4 * i + 2] = (uint8_t)(ctx->state[i] >> 8);
        digest[4 * i + 3] = (uint8_t)ctx->state[i];
    }
}

extern char _end[];

void *tessera_alloc(size_t size)
{
    static uintptr_t next;
    const uintptr_t limit = 0x7E000000u;
    if (next == 0)
        next = (uintptr_t)_end;
    uintptr_t start = (next + 7) & ~(uintptr_t)7;
    if (start > limit || size > limit - start) {
        tessera_print("tessera_alloc: out of memory\n");
        tessera_halt(3);
    }
    next = start + size;
    return (void *)start;
}

void tessera_print(const char *s)
{
    tessera_write(TESSERA_FD_STDOUT, s, strlen(s));
}

void tessera_print_hex(const uint8_t *bytes, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char buf[64];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        buf[n++] = digits[bytes[i] >> 4];
        buf[n++] = digits[bytes[i] & 15];
        if (n == sizeof buf) {
            tessera_write(TESSERA_FD_STDOUT, buf, n);
            n = 0;
        }
    }
    tessera_write(TESSERA_FD_STDOUT, buf, n);
}

void tessera_print_u32(uint32_t value)
{
    char buf[10];
    size_t n = sizeof buf;
    do {
        buf[--n] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    tessera_write(TESSERA_FD_STDOUT, buf + n, sizeof buf - n);
}

/* Freestanding libc basics; GCC may emit calls to these for copies and zeroing. */
void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}
