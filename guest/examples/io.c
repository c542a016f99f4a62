/* I/O: reads a name, greets it on stdout, reports on stderr, passes a buffer to itself through
 * the input stream (fd 14), and commits the name's length and bytes as public values. */
#include "tessera.h"

int main(void)
{
    size_t len = tessera_input_len();
    char *name = tessera_alloc(len + 1);
    tessera_input_read(name, len);
    name[len] = 0;

    tessera_print("hello, ");
    tessera_write(TESSERA_FD_STDOUT, name, len);
    tessera_print("!\n");

    static const char note[] = "round trip through fd 14";
    tessera_write(TESSERA_FD_INPUT, note, sizeof note - 1);
    size_t back_len = tessera_input_len();
    char *back = tessera_alloc(back_len);
    tessera_input_read(back, back_len);
    if (back_len != sizeof note - 1 || memcmp(back, note, back_len) != 0) {
        tessera_write(TESSERA_FD_STDERR, "io: fd 14 round trip failed\n", 28);
        return 1;
    }
    tessera_write(TESSERA_FD_STDERR, "io: fd 14 round trip ok\n", 24);

    uint32_t len32 = (uint32_t)len;
    tessera_commit(&len32, sizeof len32);
    tessera_commit(name, len);
    return 0;
}
