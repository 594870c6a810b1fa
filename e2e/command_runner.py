"""The browser tests' set-up and operator commands (e2e.setup_commands, app.cli, and the
`litestar` command line that migrates), run one after another in one long-lived process.

Starting Python and importing the app costs about 2 s of CPU; the journeys run a command or two
each, so a process per command was a good part of the browser tests' time. Each command still
gets its own event loop, engine and unit of work, as it does on the command line.

Protocol: one JSON line in, `["module", ["arg", ...]]`; one JSON line out,
`{"code": int, "out": "what it printed", "err": "what it wrote to stderr"}`. `CommandRunner`
starts the process and speaks it.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import select
import subprocess
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent  # the repository root

# Each command's entry point, given its arguments (without a program name): its exit code.
COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "app.cli": lambda args: int(importlib.import_module("app.cli").main(["app.cli", *args])),
    "e2e.setup_commands": lambda args: int(
        importlib.import_module("e2e.setup_commands").main(list(args))
    ),
    # `litestar database upgrade --no-prompt`, as `make run` types it; click returns on success.
    "litestar": lambda args: int(
        importlib.import_module("litestar.cli.main").litestar_group.main(
            list(args), prog_name="litestar", standalone_mode=False
        )
        or 0
    ),
}


def run(module: str, args: Sequence[str]) -> dict[str, int | str]:
    printed, errors = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(errors):
        try:
            code = COMMANDS[module](args)
        except SystemExit as leaving:  # argparse, on arguments it refuses
            code = leaving.code if isinstance(leaving.code, int) else 1
        except Exception:  # reported to the test, which fails with it
            traceback.print_exc()
            code = 1
    return {"code": code, "out": printed.getvalue(), "err": errors.getvalue()}


class CommandRunner:
    """e2e/command_runner.py in a process of its own, started once: commands in order."""

    TIMEOUT = 60.0

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log = log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "e2e.command_runner"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )

    def run(self, module: str, args: tuple[str, ...]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps([module, list(args)]) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], self.TIMEOUT)
        assert ready, f"{module} {args[0]} took over {self.TIMEOUT} s"
        line = self.process.stdout.readline()
        assert line, f"the command runner ended (code {self.process.poll()})"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.log.close()


def main() -> None:
    # Answers go out on the original stdout alone; anything else written to fd 1 (a logging
    # handler made before the redirection) goes to stderr, so it cannot break the protocol.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    for line in sys.stdin:
        module, args = json.loads(line)
        answers.write(json.dumps(run(module, args)) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
