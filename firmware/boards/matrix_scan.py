"""Reading the key matrix through the RP2040's SIO registers, compiled to machine code (viper).

As bytecode, the eight-row loop of pin calls and register reads cost about a quarter of the 1 ms tick on
a 125 MHz RP2040 (tools/bench/scan_tick.py); as viper it is a few microseconds plus the settle waits.
boards/pico.py scans the real registers; the tests and the benchmark pass a buffer that stands in for
them, and a wait function that plays the switches.
"""

import micropython
from micropython import const

from pins import COL_MASK, COL_SHIFT, N_ROWS

# RP2040 datasheet 2.3.1.7: the SIO block, single-cycle IO. Registers as 32-bit word indexes.
SIO_BASE = const(0xD0000000)
GPIO_IN = const(1)  # 0x004: every GPIO's input level
GPIO_OUT_SET = const(5)  # 0x014: write 1s to drive those GPIOs high
GPIO_OUT_CLR = const(6)  # 0x018: write 1s to drive those GPIOs low


@micropython.viper
def scan_matrix(sio, row_bits, rows, wait, settle_us: int):
    """Fill rows[r] with row r's closed switches as a column bitmask (bit c = column c).

    Each row in turn: drive it high (GPIO_OUT_SET), wait(settle_us) for the lines to settle, read all
    columns in one GPIO_IN read, drive it low (GPIO_OUT_CLR). `sio` is SIO_BASE, or a buffer standing in
    for the registers; `row_bits` an array('I') of 1 << row GPIO; `rows` an array('H') (the keyboard's),
    written in place: an object store would be a runtime call a row. Allocates nothing.
    """
    reg = ptr32(sio)
    bits = ptr32(row_bits)
    out = ptr16(rows)
    shift = int(COL_SHIFT)
    mask = int(COL_MASK)
    n_rows = int(N_ROWS)
    row = 0
    while row < n_rows:
        bit = bits[row]
        reg[GPIO_OUT_SET] = bit
        wait(settle_us)
        out[row] = (reg[GPIO_IN] >> shift) & mask
        reg[GPIO_OUT_CLR] = bit
        row += 1
