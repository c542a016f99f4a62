/* Keccak-256 in software (the Ethereum hash): hashes the first input buffer, prints the digest
 * and commits it. Lanes are kept as 64-bit values; all rotations are by constants, so GCC
 * needs no libgcc helpers. */
#include "tessera.h"

static const uint64_t RC[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

#define ROL(x, n) ((n) == 0 ? (x) : (((x) << (n)) | ((x) >> (64 - (n)))))

static void keccak_f(uint64_t s[25])
{
    for (int round = 0; round < 24; round++) {
        uint64_t c[5], d[5], b[25];
        for (int x = 0; x < 5; x++)
            c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
        for (int x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ ROL(c[(x + 1) % 5], 1);
        for (int i = 0; i < 25; i++)
            s[i] ^= d[i % 5];
        /* rho and pi: b[y, 2x+3y] = rot(s[x, y], r[x, y]), written out with constant shifts. */
#define RP(x, y, r) b[(y) + 5 * ((2 * (x) + 3 * (y)) % 5)] = ROL(s[(x) + 5 * (y)], r)
        RP(0, 0, 0);  RP(1, 0, 1);  RP(2, 0, 62); RP(3, 0, 28); RP(4, 0, 27);
        RP(0, 1, 36); RP(1, 1, 44); RP(2, 1, 6);  RP(3, 1, 55); RP(4, 1, 20);
        RP(0, 2, 3);  RP(1, 2, 10); RP(2, 2, 43); RP(3, 2, 25); RP(4, 2, 39);
        RP(0, 3, 41); RP(1, 3, 45); RP(2, 3, 15); RP(3, 3, 21); RP(4, 3, 8);
        RP(0, 4, 18); RP(1, 4, 2);  RP(2, 4, 61); RP(3, 4, 56); RP(4, 4, 14);
#undef RP
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++)
                s[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
        s[0] ^= RC[round];
    }
}

static void keccak256(const uint8_t *data, size_t len, uint8_t out[32])
{
    enum { RATE = 136 };
    uint64_t s[25] = {0};
    uint8_t block[RATE];
    for (;;) {
        size_t take = len < RATE ? len : RATE;
        memset(block, 0, RATE);
        memcpy(block, data, take);
        if (take < RATE) {
            block[take] ^= 0x01;
            block[RATE - 1] ^= 0x80;
        }
        for (int i = 0; i < RATE / 8; i++) {
            uint64_t lane = 0;
            for (int k = 7; k >= 0; k--)
                lane = lane << 8 | block[8 * i + k];
            s[i] ^= lane;
        }
        keccak_f(s);
        if (take < RATE)
            break;
        data += RATE;
        len -= RATE;
    }
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(s[i / 8] >> (8 * (i % 8)));
}

int main(void)
{
    size_t len = tessera_input_len();
    uint8_t *message = tessera_alloc(len);
    tessera_input_read(message, len);
    uint8_t digest[32];
    keccak256(message, len, digest);
    tessera_print_hex(digest, sizeof digest);
    tessera_print("\n");
    tessera_commit(digest, sizeof digest);
    return 0;
}
