"""`keycomposer settings`: show the keyboard's settings, and change them (NAME=VALUE ...).

The keyboard saves every change on its own flash at once, so it keeps them across power cycles; with
the emulator, `--flash DIR` is that flash.
"""

from keycomposer.cli import CommandError
from keycomposer.device.connect import add_connection_options, open_transport
from keycomposer.device.settings import (
    SETTINGS,
    SettingsError,
    parse_assignment,
    read_settings,
    reset_settings,
    write_setting,
)
from keycomposer.device.transport import TransportError


def register(subparsers):
    names = ", ".join(setting.name for setting in SETTINGS)
    parser = subparsers.add_parser(
        "settings", help="show and change the keyboard's settings (kept on the keyboard)",
        description=f"With no assignment, shows every setting. NAME=VALUE changes one; the settings are: {names}. "
        "Enumerated settings take their names (velocity_curve=linear, arp_rate=1/16), channels count 1..16.",
    )
    parser.add_argument("assignments", nargs="*", metavar="NAME=VALUE", help="settings to change, in order")
    parser.add_argument("--reset", action="store_true", help="every setting back to its default first")
    add_connection_options(parser)
    parser.set_defaults(handler=run)


def run(args) -> int:
    try:
        # Every assignment is checked before the keyboard is touched: a typo changes nothing.
        changes = [parse_assignment(text) for text in args.assignments]
    except SettingsError as error:
        raise CommandError(str(error)) from error
    faults: list[str] = []
    try:
        with open_transport(args) as transport:
            if args.reset:
                reset_settings(transport, faults=faults)
                print("settings reset to their defaults")
            for setting, value in changes:
                held = write_setting(transport, setting, value, faults=faults)
                print(f"{setting.name} = {setting.format(held)}")
            values = read_settings(transport, faults=faults)
    except (SettingsError, TransportError) as error:
        raise CommandError(str(error)) from error
    for fault in faults:
        print(f"the keyboard reported a fault: {fault}")
    if args.emulator and not args.flash and (changes or args.reset):
        print("(not kept: without --flash DIR the emulated keyboard's flash is a temporary folder that ended "
              "with this command)")
    if not changes:
        width = max(len(setting.name) for setting in SETTINGS)
        for setting in SETTINGS:
            if setting.name in values:
                value = values[setting.name]
                default = "" if value == setting.default else f"(default {setting.format(setting.default)})"
                print(f"{setting.name:<{width}}  {setting.format(value):<14}{default}".rstrip())
    return 0
