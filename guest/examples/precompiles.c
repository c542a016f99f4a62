/* Precompiles: checks SHA_EXTEND + SHA_COMPRESS against the kit's software SHA-256 on the input,
 * runs KECCAK_SPONGE on the input and POSEIDON2_PERMUTE on a fixed state, and commits all three
 * results. Exit code 1 means a precompile disagreed with software. */
#include "tessera.h"

static void sha256_with_precompiles(const uint8_t *msg, size_t len, uint8_t out[32])
{
    uint32_t state[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    size_t padded = (len + 9 + 63) / 64 * 64;
    uint8_t *buf = tessera_alloc(padded);
    memset(buf, 0, padded);
    memcpy(buf, msg, len);
    buf[len] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        buf[padded - 1 - i] = (uint8_t)(bits >> (8 * i));
    uint32_t w[64];
    for (size_t off = 0; off < padded; off += 64) {
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)buf[off + 4 * i] << 24 | (uint32_t)buf[off + 4 * i + 1] << 16 |
                   (uint32_t)buf[off + 4 * i + 2] << 8 | buf[off + 4 * i + 3];
        tessera_sha256_extend(w);
        tessera_sha256_compress(w, state);
    }
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(state[i] >> 24);
        out[4 * i + 1] = (uint8_t)(state[i] >> 16);
        out[4 * i + 2] = (uint8_t)(state[i] >> 8);
        out[4 * i + 3] = (uint8_t)state[i];
    }
}

static void keccak256_with_sponge(const uint8_t *msg, size_t len, uint8_t out[32])
{
    size_t blocks = len / 136 + 1;
    uint8_t *buf = tessera_alloc(blocks * 144);
    memset(buf, 0, blocks * 144);
    for (size_t b = 0; b < blocks; b++) {
        size_t start = b * 136, take = len > start ? len - start : 0;
        if (take > 136)
            take = 136;
        memcpy(buf + b * 144, msg + start, take);
    }
    buf[(blocks - 1) * 144 + len % 136] ^= 0x01;
    buf[(blocks - 1) * 144 + 135] ^= 0x80;
    uint32_t result[17];
    result[16] = (uint32_t)(blocks * 36);
    tessera_keccak_sponge((const uint32_t *)buf, result);
    memcpy(out, result, 32);
}

int main(void)
{
    size_t len = tessera_input_len();
    uint8_t *msg = tessera_alloc(len);
    tessera_input_read(msg, len);

    uint8_t soft[32], fast[32];
    tessera_sha256_ctx ctx;
    tessera_sha256_init(&ctx);
    tessera_sha256_update(&ctx, msg, len);
    tessera_sha256_final(&ctx, soft);
    sha256_with_precompiles(msg, len, fast);
    if (memcmp(soft, fast, 32) != 0)
        return 1;
    tessera_print("sha256 ");
    tessera_print_hex(fast, 32);
    tessera_print("\n");
    tessera_commit(fast, 32);

    uint8_t keccak[32];
    keccak256_with_sponge(msg, len, keccak);
    tessera_print("keccak256 ");
    tessera_print_hex(keccak, 32);
    tessera_print("\n");
    tessera_commit(keccak, 32);

    uint32_t state[16];
    for (uint32_t i = 0; i < 16; i++)
        state[i] = i;
    tessera_poseidon2_permute(state);
    tessera_print("poseidon2 ");
    tessera_print_hex((const uint8_t *)state, sizeof state);
    tessera_print("\n");
    tessera_commit(state, sizeof state);
    return 0;
}
