"""The firmware's version: reported in the Identity Reply and the private DEVICE_INFO reply."""

FIRMWARE_VERSION = (0, 1, 0)
