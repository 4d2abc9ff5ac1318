"""The ``citygraph`` command: parse arguments, call one function, print, set the exit code.

Each subcommand lives in ``citygraph.commands.<name>`` and registers itself with ``register()``.
Those modules import nothing heavy at the top, so ``citygraph --help`` stays fast; the work is
imported when a command runs. Exit codes: 0 success, 1 the data does not conform or the work
failed, 2 usage error, 130 interrupted (Ctrl-C), 143 stopped by SIGTERM. Data goes to standard
output, messages to standard error.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from . import __version__
from .errors import CitygraphError

COMMANDS = (
    "build",
    "validate",
    "query",
    "export",
    "diff",
    "push",
    "analyze",
    "report",
    "import_table",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's default prints usage and exits 2
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="citygraph",
        description="An open knowledge graph of city networks: build, validate, query, export "
        "and analyse it.",
        epilog="Run 'citygraph COMMAND --help' for the options of a command.",
    )
    top.add_argument("--version", action="version", version=f"citygraph {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"citygraph.commands.{name}")
        except ModuleNotFoundError as exc:  # a command not written yet in this checkout
            if exc.name != f"citygraph.commands.{name}":
                raise
            continue
        module.register(sub)
    return top


class Terminated(BaseException):
    """SIGTERM (``kill``, a CI job's timeout), raised in the command's main thread like Ctrl-C's
    KeyboardInterrupt, so that every cleanup runs: a staging folder or a temporary store of
    gigabytes is deleted instead of being left behind."""


_MAIN_PID = os.getpid()


def _terminate(signum: int, frame: object) -> None:
    if os.getpid() != _MAIN_PID:  # a forked worker: it ends, as SIGTERM ends a process
        os._exit(128 + signum)
    raise Terminated


@contextmanager
def _cleanup_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` while a command runs (only where nobody else
    handles it: a program that calls :func:`main` keeps its own handler)."""
    global _MAIN_PID
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return
    _MAIN_PID = os.getpid()
    signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # rdflib logs a trace for each literal whose text is not of its datatype ("1997-02-30" typed
    # xsd:date) as it reads the data: the checks report each one, by entity, so the trace is noise
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    if not getattr(args, "run", None):
        parser().print_help(sys.stderr)
        return 2
    try:
        with _cleanup_on_sigterm():
            code = args.run(args)
    except Terminated:
        print(
            f"citygraph {args.command}: stopped (SIGTERM); no output was written", file=sys.stderr
        )
        return 143
    except CitygraphError as error:
        print(f"citygraph {args.command}: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"citygraph {args.command}: interrupted; no output was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except MemoryError:
        print(
            f"citygraph {args.command}: ran out of memory; nothing was written "
            "(use --store PATH for a large graph, or a machine with more memory)",
            file=sys.stderr,
        )
        return 1
    except OSError as error:
        if error.errno not in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return _internal_error(args.command, error)
        what = "no space left on the disk" if error.errno == errno.ENOSPC else "over the disk quota"
        where = f" (writing {error.filename})" if error.filename else ""
        sizes = " (-o, --store; the exports of 10 M statements take 6 GB)"
        print(
            f"citygraph {args.command}: {what}{where}; nothing was written. Free some space, or "
            f"write elsewhere{sizes if args.command == 'build' else ''}",
            file=sys.stderr,
        )
        return 1
    except Exception as error:  # a bug of ours: one line for the user, the trace on request
        return _internal_error(args.command, error)
    return int(code or 0)


def _internal_error(command: str, error: Exception) -> int:
    """A bug of ours: one line for the user, the trace with ``CITYGRAPH_DEBUG=1``."""
    if os.environ.get("CITYGRAPH_DEBUG"):
        raise error
    print(
        f"citygraph {command}: internal error ({type(error).__name__}: {error}); "
        "nothing was written. Run again with CITYGRAPH_DEBUG=1 to see the trace; report it.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
