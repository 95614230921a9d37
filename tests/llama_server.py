"""llama.cpp's OpenAI-compatible server on a loopback port, for the real-model tests.

``LlamaServer(gguf, log_path)`` starts ``python -m llama_cpp.server`` (from
``requirements-llm.txt``) on a free port of 127.0.0.1 with 2 threads and Gemma's chat
format (the GGUF carries no template), waits until
``/v1/models`` answers, and on leaving, also after a failure, stops it: SIGTERM, a bounded
wait, then SIGKILL to its process group. It dies with the test run (parent-death signal).
``OMP_WAIT_POLICY=PASSIVE``: on 2 cores shared with other processes, OpenMP's spinning
threads made a 20-token reply take 16 s instead of 1.4 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from scripts.child_processes import free_port, parent_death_signal

MODEL_ALIAS = "gemma-3-270m"
CONTEXT_TOKENS = 4096  # 3 passages of up to 2,000 characters, the rules and the answer


class LlamaServer:
    def __init__(self, gguf: Path, log_path: Path, *, ready_seconds: float = 180,
                 stop_seconds: float = 20) -> None:
        self.gguf, self.log_path = gguf, log_path
        self.ready_seconds, self.stop_seconds = ready_seconds, stop_seconds
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = ""

    def __enter__(self) -> LlamaServer:
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}/v1"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "llama_cpp.server", "--model", str(self.gguf),
                 "--model_alias", MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(port),
                 "--n_ctx", str(CONTEXT_TOKENS), "--n_threads", "2", "--n_threads_batch", "2",
                 "--chat_format", "gemma"],
                env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=parent_death_signal())
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.ready_seconds
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.process.returncode}:"
                                   f"\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + "/models", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server not ready in {self.ready_seconds:.0f} s:"
                                   f"\n{self.log_tail()}")
            time.sleep(0.5)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=self.stop_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
