"""llama.cpp's OpenAI-compatible server on a loopback port, for the real-model tests.

``LlamaServer(gguf, log_path)`` starts ``python -m llama_cpp.server`` (from
``requirements-llm.txt``) on a free port of 127.0.0.1 with 2 threads and Gemma's chat
format (the GGUF carries no template), waits until ``/v1/models`` answers and always stops
it (:class:`scripts.servers.LoopbackServer`). ``OMP_WAIT_POLICY=PASSIVE``: on 2 cores shared
with other processes, OpenMP's spinning threads made a 20-token reply take 16 s instead of
1.4 s.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

from scripts.servers import LoopbackServer

MODEL_ALIAS = "gemma-3-270m"
CONTEXT_TOKENS = 4096  # 3 passages of up to 2,000 characters, the rules and the answer


class LlamaServer(LoopbackServer):
    name = "llama_cpp.server"

    def __init__(self, gguf: Path, log_path: Path, *, ready_seconds: float = 180,
                 stop_seconds: float = 20) -> None:
        super().__init__(gguf.parent, log_path, ready_seconds=ready_seconds,
                         stop_seconds=stop_seconds)
        self.gguf = gguf

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "llama_cpp.server", "--model", str(self.gguf),
                "--model_alias", MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(self.port),
                "--n_ctx", str(CONTEXT_TOKENS), "--n_threads", "2", "--n_threads_batch", "2",
                "--chat_format", "gemma"]

    def environment(self) -> dict[str, str]:
        return {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}

    def is_ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + "/models", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False
