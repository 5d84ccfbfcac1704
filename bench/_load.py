"""A load generator in its own process: N threads sending one JSON-RPC call for S seconds.

``python -m bench._load URL SECONDS LEAD_ID THREADS[,THREADS...]`` reads the username and API
key as a JSON object on stdin (never on the command line), sends one untimed call, then for
each thread count prints one JSON line: calls answered without an error, calls failed, and
the seconds measured. It runs in a separate process so that its threads do not compete with
the server's for the server's interpreter lock.
"""

from __future__ import annotations

import json
import sys
import threading
import time

import requests


def load(
    url: str, auth: tuple[str, str], threads: int, seconds: float, lead_id: int
) -> dict[str, float]:
    """Send ``getLead(lead_id)`` from ``threads`` threads until ``seconds`` have passed."""
    body = json.dumps(
        {"jsonrpc": "2.0", "method": "getLead", "params": {"leadId": lead_id}, "id": 1}
    )
    ok = [0] * threads
    failed = [0] * threads
    start = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def worker(index: int) -> None:
        with requests.Session() as session:
            session.auth = auth
            start.wait()
            while time.perf_counter() < stop_at[0]:
                try:
                    answer = session.post(
                        url, data=body, headers={"Content-Type": "application/json"}, timeout=30
                    )
                    good = answer.status_code == 200 and answer.json().get("error") is None
                except (requests.RequestException, ValueError):
                    good = False
                if good:
                    ok[index] += 1
                else:
                    failed[index] += 1

    workers = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for worker_thread in workers:
        worker_thread.start()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    start.wait()
    for worker_thread in workers:
        worker_thread.join()
    return {"ok": sum(ok), "failed": sum(failed), "seconds": time.perf_counter() - started}


def main() -> None:
    """Read the credentials, warm the server with one untimed call, measure each count."""
    url, seconds, lead_id, counts = sys.argv[1:5]
    given = json.load(sys.stdin)
    auth = (given["username"], given["api_key"])
    with requests.Session() as session:
        session.auth = auth
        session.post(
            url,
            data=json.dumps(
                {"jsonrpc": "2.0", "method": "getLead", "params": {"leadId": int(lead_id)}, "id": 1}
            ),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
    for threads in counts.split(","):
        print(json.dumps(load(url, auth, int(threads), float(seconds), int(lead_id))), flush=True)


if __name__ == "__main__":
    main()
