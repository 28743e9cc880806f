# Fake micropython-lib `usb.device`: records what the board asked for.

configured = {}


class _Device:
    def init(self, *itfs, **kwargs):
        configured["itfs"] = itfs
        configured.update(kwargs)


_device = _Device()


def get():
    return _device
