"""The compact number set used for dedupe."""

import random

from phonelists.dedupe import NumberSet


def test_it_behaves_like_a_set_while_growing():
    numbers = NumberSet()
    reference: set[int] = set()
    rng = random.Random(3)
    for _ in range(200_000):
        key = rng.choice([972500000000 + rng.randrange(300_000), 14155550000 + rng.randrange(5000)])
        assert numbers.add(key) == (key not in reference)
        reference.add(key)
    assert len(numbers) == len(reference)


def test_neighbouring_numbers_do_not_collide_into_one_run():
    numbers = NumberSet(expected=1000)
    assert all(numbers.add(972541234000 + i) for i in range(1000))
    assert not any(numbers.add(972541234000 + i) for i in range(1000))
