"""Checks every number of a list against phonenumbers.is_valid_number, on both cores:
`python -m tests.bench.phonelists_verify LIST_ID` prints "checked invalid"."""

import sys
from multiprocessing import get_context

import django
import phonenumbers


def _invalid(numbers: list[str]) -> int:
    return sum(not phonenumbers.is_valid_number(phonenumbers.parse(n)) for n in numbers)


def main(list_id: int) -> None:
    django.setup()
    from phonelists.models import Contact

    numbers = list(Contact.objects.filter(phone_list_id=list_id).values_list("number", flat=True))
    chunks = [numbers[i : i + 50_000] for i in range(0, len(numbers), 50_000)]
    with get_context("spawn").Pool(2) as pool:
        invalid = sum(pool.map(_invalid, chunks))
    print(len(numbers), invalid)


if __name__ == "__main__":
    main(int(sys.argv[1]))
