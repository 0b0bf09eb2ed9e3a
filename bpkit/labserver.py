"""Server-side half of the panels' latency: kernel websockets without Nagle's algorithm.

Why (measured in JupyterLab + Chromium, lesson 3's tangent panel): after a key
press the kernel sends its ``busy`` status, then the slider's echo and the
readouts, all within 1 ms. The Jupyter server writes them to the browser's
websocket within 2 ms too, yet the browser receives only ``busy`` promptly; the
rest arrive about 40 ms later, all at once. Tornado does not set
``TCP_NODELAY`` on websockets and the Jupyter server does not either, so
Nagle's algorithm holds every small frame sent while the previous one is
unacknowledged, and the browser's TCP stack delays that acknowledgement (by
40 ms, Linux's minimum delayed-ACK time) hoping to piggyback it on a reply.
With ``TCP_NODELAY`` on the kernel websocket the readout shows 15-20 ms after
the key press instead of 50-60 ms, and the figure's round trip (draw request,
image) loses the same stall.

Nothing in the kernel can avoid this (``busy`` always goes first), so the fix is
a connection class for the Jupyter server, switched on with the documented
setting ``ServerApp.kernel_websocket_connection_class``, e.g.::

    jupyter lab --ServerApp.kernel_websocket_connection_class=bpkit.labserver.NoDelayKernelWebsocketConnection

or in a ``jupyter_server_config.json`` (``{"ServerApp": {"kernel_websocket_connection_class":
"bpkit.labserver.NoDelayKernelWebsocketConnection"}}``).

This module is imported by the Jupyter server process, not by the kernel.
"""
from __future__ import annotations

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


class NoDelayKernelWebsocketConnection(ZMQChannelsWebsocketConnection):
    """The default kernel websocket connection, with ``TCP_NODELAY`` on its socket.

    Every other behaviour (protocols, buffering, rate limits) is inherited
    unchanged; only small frames are sent at once instead of waiting for the
    browser's acknowledgement of the previous one.
    """

    def connect(self):
        """Turn Nagle's algorithm off on the websocket, then connect as usual."""
        handler = self.websocket_handler
        if handler is not None and handler.ws_connection is not None:
            # tornado's documented switch; a no-op if the stream is already closed
            handler.set_nodelay(True)
        return super().connect()
