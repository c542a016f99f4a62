# Guest entry: set the stack below the top of memory, run main, and exit with its return value.
    .section .text._start, "ax"
    .globl _start
    .set noreorder
_start:
    lui     $sp, 0x7f00
    jal     main
    nop
    jal     tessera_exit
    move    $a0, $v0
1:  b       1b
    nop
