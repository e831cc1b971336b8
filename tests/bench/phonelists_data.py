"""Benchmark data for phone list imports: valid Israeli and US numbers, ~2% invalid
lines and some duplicates, built on the fly (number, cli, dtmf, two variables)."""

import gzip
import random

import phonenumbers

# Ranges phonenumbers knows as valid: Israeli mobiles 050/052/053/054/058 with
# subscriber blocks taken from its metadata, and US geographic area codes.
_IL_PREFIXES = ("50", "52", "53", "54", "58")
_US_AREAS = ("212", "213", "305", "312", "415", "617", "646", "702", "718", "917")


def _valid_numbers(rng: random.Random, count: int) -> list[str]:
    numbers: list[str] = []
    while len(numbers) < count:
        if rng.random() < 0.7:
            candidate = "+972" + rng.choice(_IL_PREFIXES) + f"{rng.randrange(10**7):07d}"
        else:
            candidate = "+1" + rng.choice(_US_AREAS) + f"{rng.randrange(2_000_000, 10**7):07d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
            numbers.append(candidate)
    return numbers


def write_list(path: str, rows: int, *, seed: int = 7) -> None:
    rng = random.Random(seed)
    pool = _valid_numbers(rng, 20_000)
    opener = gzip.open if path.endswith(".gz") else open
    names = ("Dana", "Moshe", "Olga", "Ivan", "John", "Noa")
    with opener(path, "wt", encoding="utf-8", newline="") as out:
        out.write("number,cli,dtmf_originator,first_name,city\n")
        for line in range(rows):
            roll = rng.random()
            if roll < 0.02:
                number = f"+9721{rng.randrange(10**4):04d}"
            elif roll < 0.03 and line:
                number = pool[line % len(pool)]
            else:
                base = pool[rng.randrange(len(pool))]
                # Vary the last digits while staying in a valid block.
                number = base[:-4] + f"{(line * 7919) % 10_000:04d}"
                if number[0] == "+" and rng.random() < 0.3:
                    number = number[1:]
            out.write(f"{number},0723000000,w1#{line % 10},{names[line % 6]},City {line % 50}\n")
