"""`keycomposer link DSN`: the console's "link your keyboard" steps, on the command line."""

from keycomposer.cli import CommandError
from keycomposer.device.connect import add_connection_options, open_transport
from keycomposer.device.dsn import DsnError, check_dsn, format_dsn
from keycomposer.device.info import query_device_info
from keycomposer.device.link import LinkError, forget_link, load_link, save_link, verify_link
from keycomposer.device.transport import TransportError
from keycomposer.library.paths import default_data_dir


def register(subparsers):
    parser = subparsers.add_parser(
        "link", help="link a keyboard by the serial number (DSN) printed on its back",
        description="Type the 16-character DSN from the back of the keyboard (case, spaces and dashes "
        "do not matter). It is checked, then compared with what the connected keyboard reports.",
    )
    parser.add_argument("dsn", nargs="?", help="the DSN from the label, e.g. 0ABC-DEFG-HIJK-LMN7 (with --emulator "
                        "and no DSN: show the emulated keyboard's DSN, its label)")
    parser.add_argument("--show", action="store_true", help="show the linked keyboard")
    parser.add_argument("--forget", action="store_true", help="forget the linked keyboard")
    add_connection_options(parser)
    parser.set_defaults(handler=run)


def run(args) -> int:
    data_dir = default_data_dir()
    try:
        if args.forget:
            print("link forgotten" if forget_link(data_dir) else "no keyboard was linked")
            return 0
        if args.emulator and not args.dsn and not args.show:
            # The emulated keyboard has no label to read its DSN from: it is shown here instead.
            with open_transport(args) as transport:
                dsn = format_dsn(query_device_info(transport).dsn)
            print(f"the emulated keyboard (--dsn-seed {args.dsn_seed}) has the DSN {dsn}; "
                  f"link it with: keycomposer link {dsn} --emulator --dsn-seed {args.dsn_seed}")
            return 0
        if args.show or not args.dsn:
            link = load_link(data_dir)
            if link is None:
                print("no keyboard linked; run `keycomposer link DSN`")
                return 0 if args.show else 2
            print(f"linked: {format_dsn(link.dsn)} via {link.via}, firmware {link.firmware_version}")
            return 0
        check_dsn(args.dsn)  # a typo is reported before any keyboard is asked
        with open_transport(args) as transport:
            reported = query_device_info(transport)
            link = verify_link(args.dsn, reported, transport.name)
        save_link(data_dir, link)
    except (DsnError, LinkError, TransportError) as error:
        raise CommandError(str(error)) from error
    print(f"linked keyboard {format_dsn(link.dsn)} (firmware {link.firmware_version}, via {link.via})")
    return 0
