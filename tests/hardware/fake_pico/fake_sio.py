# Stands in for the RP2040's SIO registers while boards/matrix_scan.py scans the matrix.
#
# scan_matrix writes a row's bit to GPIO_OUT_SET, calls wait(), reads GPIO_IN, writes GPIO_OUT_CLR. The
# registers are a plain buffer here, so wait() is where the "hardware" answers: it makes GPIO_IN what
# the pins would read with that row driven high. It allocates nothing, so heap_lock tests can use it.

import machine

_GPIO_IN = 4  # byte offsets of the 32-bit registers
_GPIO_OUT_SET = 20
_GPIO_OUT_CLR = 24


def _word(buffer, offset):
    return buffer[offset] | buffer[offset + 1] << 8 | buffer[offset + 2] << 16 | buffer[offset + 3] << 24


def _lowest_bit_index(word):
    index = 0
    while word and not word & 1:
        word >>= 1
        index += 1
    return index if word else 255


class MatrixPlayer:
    def __init__(self):
        self.registers = bytearray(32)
        self.waits = 0
        self.waited_us = 0
        self.driven = bytearray(16)  # GPIO driven high at each wait
        self.cleared_before = bytearray(16)  # GPIO last driven low before each wait (255: none yet)
        self.registers[_GPIO_OUT_CLR] = 0

    def wait(self, us):
        registers = self.registers
        out_set = _word(registers, _GPIO_OUT_SET)
        self.driven[self.waits] = _lowest_bit_index(out_set)
        self.cleared_before[self.waits] = _lowest_bit_index(_word(registers, _GPIO_OUT_CLR))
        self.waits += 1
        self.waited_us = us
        word = out_set  # a driven row reads back high
        for gpio in range(30):
            if machine.levels[gpio]:
                word |= 1 << gpio
        for row in range(30):
            if out_set >> row & 1:
                for col in range(30):
                    if machine.closed[row * 30 + col]:
                        word |= 1 << col  # through the switch and its diode
        registers[_GPIO_IN] = word & 0xFF
        registers[_GPIO_IN + 1] = word >> 8 & 0xFF
        registers[_GPIO_IN + 2] = word >> 16 & 0xFF
        registers[_GPIO_IN + 3] = word >> 24 & 0xFF
