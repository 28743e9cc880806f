"""Asking a keyboard who it is: the private DEVICE_INFO SysEx (firmware/PROTOCOL.md, section 2)."""

from __future__ import annotations

from dataclasses import dataclass

import mido

# F0 7D 4B cc ... F7: manufacturer 7D (non-commercial), product 4B ('K'), command cc.
MANUFACTURER_ID = 0x7D
PRODUCT_ID = 0x4B
DEVICE_INFO = 0x01
DEVICE_INFO_REPLY = 0x41
_DSN_LENGTH = 16


@dataclass(frozen=True)
class DeviceInfo:
    firmware_version: tuple[int, int, int]
    dsn: str

    @property
    def version_text(self) -> str:
        return ".".join(str(part) for part in self.firmware_version)


def device_info_request() -> mido.Message:
    return mido.Message("sysex", data=(MANUFACTURER_ID, PRODUCT_ID, DEVICE_INFO))


def parse_device_info(message: mido.Message) -> DeviceInfo | None:
    """The DeviceInfo in ``message``, or None when it is some other message."""
    if message.type != "sysex":
        return None
    data = bytes(message.data)
    if data[:3] != bytes((MANUFACTURER_ID, PRODUCT_ID, DEVICE_INFO_REPLY)):
        return None
    body = data[3:]
    if len(body) != 3 + _DSN_LENGTH:
        raise ValueError(f"DEVICE_INFO reply has {len(body)} payload bytes, expected {3 + _DSN_LENGTH}")
    return DeviceInfo((body[0], body[1], body[2]), body[3:].decode("ascii"))


def query_device_info(transport, timeout_s: float = 0.5) -> DeviceInfo:
    """Ask the keyboard behind ``transport`` for its firmware version and DSN."""
    from keycomposer.device.transport import TransportError

    transport.send(device_info_request())
    step = 0.05
    waited = 0.0
    while waited < timeout_s:
        for _, message in transport.receive(step):
            info = parse_device_info(message)
            if info is not None:
                return info
        waited += step
    raise TransportError(f"{transport.name} did not answer the DEVICE_INFO request within {timeout_s:g} s")
