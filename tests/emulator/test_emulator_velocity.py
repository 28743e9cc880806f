"""The host's inverse of the keyboard's velocity curve."""

import ast
import re

import pytest

from emulator_support import FIRMWARE
from keycomposer.emulator.velocity import (
    THRESHOLDS_US,
    contact_time_us,
    scanned_contact_time_us,
    velocity_of,
)


@pytest.mark.parametrize("velocity", range(1, 128))
def test_every_velocity_comes_back_exact(velocity):
    assert velocity_of(contact_time_us(velocity)) == velocity


def test_the_curve_runs_from_2_ms_for_127_to_80_ms_for_1():
    assert velocity_of(2000) == 127
    assert velocity_of(80_000) == 1
    assert velocity_of(1_000_000) == 1
    assert velocity_of(0) == 127


def test_the_host_curve_is_the_firmware_table():
    # The host reads the curve from its documentation; this proves it read it as the firmware built it.
    source = (FIRMWARE / "core" / "velocity_tables.py").read_text()
    table = ast.literal_eval(re.search(r"LOG_THRESHOLDS_US = (\(.*?\))", source, re.S).group(1))
    assert THRESHOLDS_US == list(table)


@pytest.mark.parametrize("velocity", range(1, 128))
def test_scanned_contact_times_are_whole_milliseconds_nearest_the_velocity(velocity):
    chosen = scanned_contact_time_us(velocity)
    assert chosen % 1000 == 0
    best = min(abs(velocity_of(t) - velocity) for t in range(2000, 81_000, 1000))
    assert abs(velocity_of(chosen) - velocity) == best


def test_velocities_the_scan_can_play_are_played_exactly():
    assert [velocity_of(scanned_contact_time_us(v)) for v in (127, 113, 103, 96, 1)] == [127, 113, 103, 96, 1]


@pytest.mark.parametrize("bad", [0, 128, -1, 1.5, "100"])
def test_velocity_out_of_range_is_refused(bad):
    with pytest.raises(ValueError, match="velocity must be an integer in range 1..127"):
        contact_time_us(bad)
