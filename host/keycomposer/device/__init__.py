"""Keyboards: finding them, checking their serial number (DSN), and linking one."""
