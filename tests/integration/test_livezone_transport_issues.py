"""Transport issues found while testing the live zone (fixes belong to headroom/transport)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.infra.client import Client
from tests.support.fake_provider import FakeProvider
from tests.support.proxy import make_settings, running_proxy


def test_shutdown_with_an_idle_keep_alive_client_reports_no_exception(tmp_path: Path) -> None:
    fake = FakeProvider()
    reported: list[dict[str, Any]] = []
    with fake.running(), running_proxy(make_settings(fake.url, str(tmp_path))) as handle:
        handle.loop.call_soon_threadsafe(handle.loop.set_exception_handler,
                                         lambda _loop, context: reported.append(context))
        client = Client(handle.port)
        assert client.request("GET", "/livez").status == 200
        time.sleep(0.05)  # the connection is idle, waiting for a next request, when the proxy stops
    client.close()
    assert [c.get("message") for c in reported] == []
