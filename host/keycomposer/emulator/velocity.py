"""The keyboard's default velocity curve, inverted: which contact time plays velocity V.

The host's own reading of the curve the firmware documents (tools/gen_velocity_tables.py, the generator
of firmware/core/velocity_tables.py; the host never imports firmware code):

    f(t) = 127 - 126 * ln(t / 2000 us) / ln(80000 us / 2000 us)        (the default log curve)

and velocity v plays for every first-to-second-contact time t where f(t) rounds to v: the thresholds
between v and v - 1 sit at t(v - 0.5), rounded to whole microseconds. Times under 2 ms all play 127,
times of 80 ms or more play 1.
"""

from __future__ import annotations

import math

FASTEST_US = 2_000
SLOWEST_US = 80_000
SCAN_PERIOD_US = 1_000  # the keyboard reads its contacts once a millisecond (firmware/EMULATOR.md)


def curve_time_us(velocity: float) -> float:
    """The contact time t (microseconds) at which the log curve f(t) equals ``velocity``."""
    return FASTEST_US * (SLOWEST_US / FASTEST_US) ** ((127 - velocity) / 126)


def _thresholds_us() -> list[int]:
    return [round(curve_time_us(v - 0.5)) for v in range(127, 1, -1)]


THRESHOLDS_US = _thresholds_us()


def velocity_of(contact_time_us: int) -> int:
    """The velocity the keyboard plays for a first-to-second-contact time; the inverse of
    contact_time_us."""
    return 127 - sum(1 for threshold in THRESHOLDS_US if threshold <= contact_time_us)


def contact_time_us(velocity: int) -> int:
    """A contact time (microseconds) that plays ``velocity`` 1..127: the centre of its band on the curve."""
    _check_velocity(velocity)
    return round(curve_time_us(velocity))


def scanned_contact_time_us(velocity: int) -> int:
    """The whole number of scan periods whose contact time plays the velocity nearest ``velocity``.

    The keyboard sees its contacts only at its scans, so it measures contact times in whole
    milliseconds: it can play 127 (2 ms), 113 (3 ms), 103 (4 ms), ... but not every velocity near the
    top. Ties go to the time closer to the curve's own time for ``velocity``.
    """
    _check_velocity(velocity)
    ideal = curve_time_us(velocity)
    candidates = range(FASTEST_US, SLOWEST_US + SCAN_PERIOD_US, SCAN_PERIOD_US)
    return min(candidates, key=lambda t: (abs(velocity_of(t) - velocity), abs(math.log(t / ideal))))


def _check_velocity(velocity: int) -> None:
    if not isinstance(velocity, int) or not 1 <= velocity <= 127:
        raise ValueError(f"velocity must be an integer in range 1..127, got {velocity!r}")
