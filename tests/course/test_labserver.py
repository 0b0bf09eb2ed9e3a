"""The JupyterLab server option that keeps widget updates from waiting on TCP acknowledgements."""
import pytest

pytest.importorskip("jupyter_server")

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection  # noqa: E402

from bpkit.labserver import NoDelayKernelWebsocketConnection  # noqa: E402


class FakeHandler:
    def __init__(self):
        self.ws_connection = object()
        self.nodelay = None

    def set_nodelay(self, value):
        self.nodelay = value


def test_connect_turns_nagle_off_then_connects_as_usual(monkeypatch):
    calls = []
    monkeypatch.setattr(ZMQChannelsWebsocketConnection, "connect", lambda self: calls.append("connect") or "ok")
    conn = NoDelayKernelWebsocketConnection.__new__(NoDelayKernelWebsocketConnection)
    handler = FakeHandler()
    monkeypatch.setattr(NoDelayKernelWebsocketConnection, "websocket_handler", handler, raising=False)
    assert conn.connect() == "ok"
    assert handler.nodelay is True and calls == ["connect"]


def test_is_a_drop_in_replacement_that_keeps_the_server_light():
    import subprocess
    import sys

    assert issubclass(NoDelayKernelWebsocketConnection, ZMQChannelsWebsocketConnection)
    # the server process imports this module: it must not drag in the widget stack
    code = ("import sys, bpkit.labserver; "
            "print(sorted(m for m in ('ipywidgets', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
