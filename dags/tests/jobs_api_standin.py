"""A local stand-in of the Databricks Jobs API 2.1: the run-now and runs/get calls DatabricksRunNowOperator makes.

Each job run passes through PENDING and RUNNING, then ends TERMINATED with the configured result state.
Requests without the expected bearer token get 401, as from the real API.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LIFE_CYCLE = ["PENDING", "RUNNING"]


@dataclass
class JobsApiStandIn:
    token: str
    result_state: str = "SUCCESS"
    requests: list[dict] = field(default_factory=list)
    run_now_bodies: list[dict] = field(default_factory=list)
    _gets_per_run: dict[int, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):
                pass

            def do_POST(self):
                standin._handle(self, "POST")

            def do_GET(self):
                standin._handle(self, "GET")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return f"http://127.0.0.1:{self._server.server_port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def calls(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r["method"] == method and r["path"] == path)

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlparse(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length) or b"{}")
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        with self._lock:
            self.requests.append({"method": method, "path": url.path, "query": query, "body": body})
            if handler.headers.get("Authorization") != f"Bearer {self.token}":
                status, reply = 401, {"error_code": "UNAUTHENTICATED", "message": "bad token"}
            elif method == "POST" and url.path == "/api/2.1/jobs/run-now":
                status, reply = self._run_now(body)
            elif method == "GET" and url.path == "/api/2.1/jobs/runs/get":
                status, reply = self._runs_get(int(query.get("run_id", body.get("run_id", 0))))
            elif method == "GET" and url.path == "/api/2.1/jobs/runs/get-output":
                status, reply = 200, {"error": "the stand-in's job run failed"}
            else:
                status, reply = 404, {"error_code": "ENDPOINT_NOT_FOUND", "message": f"{method} {url.path}"}
        payload = json.dumps(reply).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _run_now(self, body: dict) -> tuple[int, dict]:
        self.run_now_bodies.append(body)
        run_id = 1000 + len(self.run_now_bodies)
        self._gets_per_run[run_id] = 0
        return 200, {"run_id": run_id, "number_in_job": run_id}

    def _runs_get(self, run_id: int) -> tuple[int, dict]:
        if run_id not in self._gets_per_run:
            return 400, {"error_code": "INVALID_PARAMETER_VALUE", "message": f"Run {run_id} does not exist."}
        calls = self._gets_per_run[run_id]
        self._gets_per_run[run_id] = calls + 1
        if calls < len(LIFE_CYCLE):
            state = {"life_cycle_state": LIFE_CYCLE[calls], "state_message": ""}
        else:
            state = {"life_cycle_state": "TERMINATED", "result_state": self.result_state, "state_message": ""}
        task_state = {
            "life_cycle_state": state["life_cycle_state"],
            "result_state": state.get("result_state", ""),
        }
        return 200, {
            "run_id": run_id,
            "job_id": self.run_now_bodies[run_id - 1001]["job_id"],
            "run_page_url": f"https://standin.invalid/#job/runs/{run_id}",
            "state": state,
            "tasks": [{"run_id": run_id * 10, "task_key": "batch", "state": task_state}],
        }
