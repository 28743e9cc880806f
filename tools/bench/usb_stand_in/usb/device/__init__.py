# Stand-in for micropython-lib's usb.device: init() only records the interface (see ../../README.md).

interfaces = []


class _Device:
    def init(self, *itfs, **kwargs):
        interfaces.extend(itfs)


_device = _Device()


def get():
    return _device
