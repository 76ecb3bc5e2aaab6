"""The ``cicada`` command line: the commands of :mod:`cicada.commands` behind one parser.

Every user mistake surfaces as one ``error:`` line (exit status 2); a failed firmware
verification exits with status 3. Anything else that escapes is a bug and shows its
traceback.
"""

from __future__ import annotations

import argparse
import errno
import signal
import sys

from . import __version__
from .core.errors import CicadaError, VerificationError
from .core.progress import setup_logging

EXIT_USER_ERROR = 2
EXIT_VERIFICATION_FAILED = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

#: Errors of the file system a user can act on: a read-only or full disk, no permission, a missing folder.
_FILE_SYSTEM_ERRORS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "not permitted",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large for this system (a file-size limit?)",
    errno.ENOTDIR: "a path component is a file, not a folder",
    errno.EISDIR: "a folder where a file was expected",
    errno.ENAMETOOLONG: "file name too long",
}


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that half-written files and child processes are cleaned up."""


def _terminate(signum, frame):
    raise Terminated()


def make_parser() -> argparse.ArgumentParser:
    from .commands import COMMANDS

    parser = argparse.ArgumentParser(
        prog="cicada",
        description="Compile a Level-1 trigger anomaly-detection model (CICADA style) from calorimeter "
        "region images to a verified hls4ml firmware project. Outputs go to models/<name>/ and "
        "hls_projects/<name>/ under the current directory.",
    )
    parser.add_argument("--version", action="version", version=f"cicada {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="more detail in the log")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, command in COMMANDS.items():
        sub = subparsers.add_parser(name, help=command.help, description=command.description)
        command.add_arguments(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .commands import COMMANDS
    from .core.processes import stop_all

    args = make_parser().parse_args(argv)
    setup_logging(args.verbose)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return COMMANDS.get(args.command).run(args)
    except VerificationError as err:
        print(f"error: firmware verification failed: {err}", file=sys.stderr)
        return EXIT_VERIFICATION_FAILED
    except CicadaError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # e.g. `cicada schema --json | head`
        sys.stderr.close()
        return 0
    except OSError as err:
        reason = _FILE_SYSTEM_ERRORS.get(err.errno or 0)
        if reason is None:
            raise  # not a user's file-system problem: a bug, with its traceback
        where = err.filename or "a file"
        print(f"error: {where}: {reason} ({err.strerror})", file=sys.stderr)
        return EXIT_USER_ERROR
    except (KeyboardInterrupt, Terminated) as err:
        stop_all()
        print(
            "interrupted: finished stages are kept; the next build resumes from the interrupted stage", file=sys.stderr
        )
        return EXIT_TERMINATED if isinstance(err, Terminated) else EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
