"""Runs a command in a pseudo-terminal, for tests of interactive command line tools.

Usage: python3 pty-run.py COLUMNS ROWS COMMAND [ARG...]

The command gets a terminal of COLUMNS x ROWS as its stdin, stdout and stderr. Bytes written to
this script's stdin are typed into that terminal; everything the command writes to it comes out
on this script's stdout, escape sequences included. SIGTERM is passed on to the command. Exits
with the command's exit code, or 128 + the signal number that ended it. Standard library only.
"""

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios


def main() -> int:
    columns, rows = int(sys.argv[1]), int(sys.argv[2])
    command = sys.argv[3:]
    pid, terminal = pty.fork()
    if pid == 0:
        # In the child, before exec: the size is there from the command's first instruction.
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        os.execvp(command[0], command)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: os.kill(pid, signal.SIGTERM))
    is_typing_open = True
    while True:
        sources = [terminal, 0] if is_typing_open else [terminal]
        readable, _, _ = select.select(sources, [], [])
        if 0 in readable:
            typed = os.read(0, 4096)
            if typed:
                while typed:
                    typed = typed[os.write(terminal, typed):]
            else:
                is_typing_open = False
        if terminal in readable:
            try:
                shown = os.read(terminal, 65536)
            except OSError:  # EIO: every process of the terminal has gone
                shown = b""
            if not shown:
                break
            os.write(1, shown)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main())
