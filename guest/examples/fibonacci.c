/* Fibonacci: reads n (a little-endian u32) and prints and commits fib(n) mod 2^32. */
#include "tessera.h"

int main(void)
{
    uint32_t n;
    if (tessera_input_len() != sizeof n) {
        tessera_print("fibonacci: expected a 4-byte input (n as little-endian u32)\n");
        return 1;
    }
    tessera_input_read(&n, sizeof n);
    uint32_t a = 0, b = 1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t = a + b;
        a = b;
        b = t;
    }
    tessera_print("fib(");
    tessera_print_u32(n);
    tessera_print(") mod 2^32 = ");
    tessera_print_u32(a);
    tessera_print("\n");
    tessera_commit(&n, sizeof n);
    tessera_commit(&a, sizeof a);
    return 0;
}
