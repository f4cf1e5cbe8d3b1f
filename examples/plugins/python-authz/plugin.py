#!/usr/bin/env python3
"""python-authz: an example Xgate filter plugin in Python.

It speaks what Xgate's external filter expects of any plugin (see
docs/plugins.md):

* the go-plugin handshake: started with XGATE_PLUGIN=filter in its
  environment, it serves gRPC on a Unix socket and prints
  ``1|1|unix|<socket>|grpc`` on stdout;
* the service xgate.extproc.v1.Filter (filter_pb2*.py, generated from
  proxy/filter/extproc/extprocpb/filter.proto);
* grpc.health.v1.Health, service "plugin" SERVING (health_pb2*.py, because
  Debian has no grpcio-health-checking);
* go-plugin's GRPCController.Shutdown, so that Xgate can stop it at once
  (grpc_controller_pb2*.py).

The policy is the Go example's: a request with the header ``x-allow: yes``
goes on, without that header and with ``x-plugin: python`` added; any other
is answered bad_request "denied by plugin". For the external filter's tests
it also misbehaves on request: ``x-plugin-test: crash`` exits the process,
``x-plugin-test: hang`` waits until Xgate gives up, ``x-plugin-test: pid``
replies with the process id.

Needs grpcio and protobuf (Debian: apt-get install python3-grpcio
python3-protobuf). Run it from Xgate:

    filters:
      - name: external
        config: {command: [/usr/bin/python3, examples/plugins/python-authz/plugin.py]}
"""

import os
import signal
import sys
import tempfile
import threading
import time
from concurrent import futures

sys.dont_write_bytecode = True  # no __pycache__ next to the committed stubs
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402

import filter_pb2  # noqa: E402
import filter_pb2_grpc  # noqa: E402
import grpc_controller_pb2  # noqa: E402
import grpc_controller_pb2_grpc  # noqa: E402
import health_pb2  # noqa: E402
import health_pb2_grpc  # noqa: E402

COOKIE_KEY, COOKIE_VALUE = "XGATE_PLUGIN", "filter"


def log(level, msg):
    """Write a log line that Xgate logs at level (INFO, WARN, ERROR)."""
    print("[%s] python-authz: %s" % (level, msg), file=sys.stderr, flush=True)


class Authz(filter_pb2_grpc.FilterServicer):
    """The policy: x-allow: yes or nothing."""

    def OnRequest(self, request, context):
        headers = {}
        for h in request.headers:
            headers.setdefault(h.key, h.value)
        test = headers.get("x-plugin-test")
        if test == b"crash":
            log("WARN", "crashing as asked")
            os._exit(3)
        if test == b"hang":
            while context.is_active():
                time.sleep(0.005)
            return filter_pb2.Decision()
        if test == b"pid":
            return filter_pb2.Decision(action=filter_pb2.Decision.REPLY, status="bad_request",
                                       message="pid %d" % os.getpid())
        if headers.get("x-allow") != b"yes":
            return filter_pb2.Decision(action=filter_pb2.Decision.REPLY, status="bad_request",
                                       message="denied by plugin")
        return filter_pb2.Decision(
            action=filter_pb2.Decision.CONTINUE,
            set_headers=[filter_pb2.Header(key="x-plugin", value=b"python")],
            remove_headers=["x-allow"],
        )


class Health(health_pb2_grpc.HealthServicer):
    """go-plugin's liveness check: service "plugin" (or the server) SERVING."""

    def Check(self, request, context):
        if request.service not in ("", "plugin"):
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


class Controller(grpc_controller_pb2_grpc.GRPCControllerServicer):
    """go-plugin's controller: Xgate calls Shutdown when it stops the plugin."""

    def __init__(self, stop):
        self.stop = stop

    def Shutdown(self, request, context):
        self.stop.set()
        return grpc_controller_pb2.Empty()


def main():
    if os.environ.get(COOKIE_KEY) != COOKIE_VALUE:
        print("python-authz is an Xgate filter plugin: name it in a listener's filters "
              "(name: external, config: {command: [...]}) rather than running it by hand.",
              file=sys.stderr)
        return 1
    sock_dir = os.environ.get("PLUGIN_UNIX_SOCKET_DIR")  # go-plugin's, removed by Xgate
    own_dir = not sock_dir
    if own_dir:
        sock_dir = tempfile.mkdtemp(prefix="xgate-plugin-")
    path = os.path.join(sock_dir, "python-authz-%d.sock" % os.getpid())

    stop = threading.Event()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    filter_pb2_grpc.add_FilterServicer_to_server(Authz(), server)
    health_pb2_grpc.add_HealthServicer_to_server(Health(), server)
    grpc_controller_pb2_grpc.add_GRPCControllerServicer_to_server(Controller(stop), server)
    server.add_insecure_port("unix:" + path)
    server.start()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    # The handshake: core protocol 1, app protocol 1, network, address, grpc.
    print("1|1|unix|%s|grpc" % path, flush=True)
    log("INFO", "serving on %s (pid %d)" % (path, os.getpid()))

    parent = os.getppid()
    while not stop.wait(0.5):
        if os.getppid() != parent:  # the gateway went away without stopping us
            log("WARN", "gateway gone; exiting")
            break
    server.stop(0.5).wait()
    try:
        os.unlink(path)
        if own_dir:
            os.rmdir(sock_dir)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
