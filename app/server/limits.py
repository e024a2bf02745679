"""The open-files limit: every idle client connection holds one descriptor, so the soft limit is raised to the
hard limit at start and the connection limit is kept below what remains."""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)

RESERVED_DESCRIPTORS = 256  # database pool, log files, listening sockets, pipes
UNLIMITED_CAP = 1 << 20  # Linux refuses a soft limit above fs.nr_open (1,048,576 by default)


def raise_open_files_limit() -> int | None:
    """Raise the soft RLIMIT_NOFILE to the hard limit; the new soft limit (None where the platform has none)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = UNLIMITED_CAP if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as err:
            log.warning("could not raise the open-files limit from %s to %s: %s", soft, target, err)
    return soft


def fitting_connection_limit(wanted: int, open_files: int | None) -> int:
    """The connection limit a process can keep with ``open_files`` descriptors."""
    if open_files is None or open_files == -1:
        return wanted
    room = max(16, open_files - RESERVED_DESCRIPTORS)
    if room < wanted:
        log.warning("open-files limit %s allows only %s connections per process (configured %s); "
                    "raise the hard limit (ulimit -Hn, LimitNOFILE=)", open_files, room, wanted)
    return min(wanted, room)
