"""TAK interop: Cursor-on-Target in and out, devices, 911 alerts, tracks."""
