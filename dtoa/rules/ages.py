"""Age on a date, in whole years, as the law counts it."""

from __future__ import annotations

from datetime import date


def age_on(birth_date: date, on: date) -> int:
    """Whole years completed on `on`.

    A person born on 29 February attains a new age on 1 March in a common year
    (Family Law Reform Act 1969 s.9 counts the anniversary of the birth date; in a common year
    there is none before 1 March), which the plain month/day comparison gives: (2, 28) < (2, 29).
    """
    if on < birth_date:
        raise ValueError("date is before the birth date")
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
