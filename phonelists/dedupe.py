"""A compact set of phone numbers for dedupe during an import.

E.164 numbers are at most 15 digits, so each fits a 64-bit slot. An open-addressing
table of such slots holds a million numbers in 16-32 MB, where a Python set of ints
takes about 80 MB; the import's memory budget is 300 MB for everything.
"""

from array import array

_GOLDEN = 0x9E3779B97F4A7C15  # Fibonacci hashing: spreads near-identical numbers apart
_MASK64 = (1 << 64) - 1


class NumberSet:
    def __init__(self, expected: int = 0):
        bits = max(16, (max(expected, 1) * 2 - 1).bit_length())
        self._allocate(bits)

    def _allocate(self, bits: int) -> None:
        self._bits = bits
        self._shift = 64 - bits
        self._mask = (1 << bits) - 1
        self._table = array("q", bytes(8 << bits))
        self._count = 0
        self._limit = (1 << bits) // 2

    def __len__(self) -> int:
        return self._count

    def add(self, key: int) -> bool:
        """Add a positive number; True when it was not there yet."""
        table, mask = self._table, self._mask
        index = ((key * _GOLDEN) & _MASK64) >> self._shift
        while True:
            slot = table[index]
            if slot == 0:
                table[index] = key
                self._count += 1
                if self._count > self._limit:
                    self._grow()
                return True
            if slot == key:
                return False
            index = (index + 1) & mask

    def _grow(self) -> None:
        old = self._table
        self._allocate(self._bits + 1)
        for key in old:
            if key:
                self.add(key)
