/* SHA-256 in software: hashes the first input buffer, prints the digest and commits it. */
#include "tessera.h"

int main(void)
{
    size_t len = tessera_input_len();
    uint8_t *message = tessera_alloc(len);
    tessera_input_read(message, len);

    tessera_sha256_ctx ctx;
    uint8_t digest[32];
    tessera_sha256_init(&ctx);
    tessera_sha256_update(&ctx, message, len);
    tessera_sha256_final(&ctx, digest);

    tessera_print_hex(digest, sizeof digest);
    tessera_print("\n");
    tessera_commit(digest, sizeof digest);
    return 0;
}
