/* HTIF mailbox for the bad-input guests: `tohost`/`fromhost` as in guests/isa/src/test.h,
   but no trap handler is ever installed (mtvec stays 0), so every exception is fatal. */
    .section .tohost, "aw", @progbits
    .align 6; .globl tohost; tohost: .dword 0; .size tohost, 8
    .align 6; .globl fromhost; fromhost: .dword 0; .size fromhost, 8
