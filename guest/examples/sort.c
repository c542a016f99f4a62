/* Sort: reads an array of little-endian u32, heap-sorts it, checks the order, prints the count
 * and a checksum, and commits the sorted array. */
#include "tessera.h"

static void sift_down(uint32_t *a, size_t start, size_t end)
{
    size_t root = start;
    while (2 * root + 1 < end) {
        size_t child = 2 * root + 1;
        if (child + 1 < end && a[child] < a[child + 1])
            child++;
        if (a[root] >= a[child])
            return;
        uint32_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

int main(void)
{
    size_t len = tessera_input_len();
    if (len % 4 != 0) {
        tessera_print("sort: input length must be a multiple of 4\n");
        return 1;
    }
    uint32_t *a = tessera_alloc(len);
    tessera_input_read(a, len);
    size_t n = len / 4;
    for (size_t i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (size_t end = n; end > 1; end--) {
        uint32_t t = a[0];
        a[0] = a[end - 1];
        a[end - 1] = t;
        sift_down(a, 0, end - 1);
    }
    uint32_t checksum = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && a[i - 1] > a[i]) {
            tessera_print("sort: not sorted\n");
            return 2;
        }
        checksum = checksum * 31 + a[i];
    }
    tessera_print("sorted ");
    tessera_print_u32((uint32_t)n);
    tessera_print(" numbers, checksum ");
    tessera_print_u32(checksum);
    tessera_print("\n");
    tessera_commit(a, len);
    return 0;
}
