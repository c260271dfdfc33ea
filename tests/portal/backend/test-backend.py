#!/usr/bin/python3
# xdg-desktop-portal-wayrtc through the real xdg-desktop-portal frontend, driven as an
# application drives it (org.freedesktop.portal.ScreenCast / RemoteDesktop), inside
# tests/portal/portal-stack.sh with wayrtc-test-pattern as the desktop's one window.
# Frames are read from the node with GStreamer's pipewiresrc and their pixels checked
# against the pattern's quadrants; input is checked in the pattern client's stdout; the
# cursor metadata is read with wayrtc-cursor-probe (wayrtc's own PipeWire consumer).
# Prints TAP. Needs /usr/bin/python3 (gi with Gio and Gst).
import os
import signal
import subprocess
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gio, GLib, Gst  # noqa: E402

DESKTOP = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
SC = "org.freedesktop.portal.ScreenCast"
RD = "org.freedesktop.portal.RemoteDesktop"
TIMEOUT_S = 20
# sway 1.7 (wlroots 0.15) has no ext-image-copy-capture: no cursor as metadata there
ON_SWAY = os.environ.get("WAYRTC_STACK_COMPOSITOR") == "sway"
CURSOR_HIDDEN, CURSOR_EMBEDDED, CURSOR_METADATA = 1, 2, 4
BTN_LEFT, KEY_A, KEY_S, KEY_B = 272, 30, 31, 48

stack = os.environ["WAYRTC_STACK_DIR"]
config = os.environ["WAYRTC_STACK_CONFIG"]
client_out = os.environ["WAYRTC_STACK_CLIENT_OUT"]
calls = os.path.join(stack, "chooser.calls")
bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
sender = bus.get_unique_name()[1:].replace(".", "_")
Gst.init(None)
counter = 0
results = []


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def token():
    global counter
    counter += 1
    return "wayrtc%d" % counter


def write_chooser(kind, pick=None):
    """A chooser that records each call (and what it was offered) and then answers: no
    (cancel), the first name offered, or `pick`."""
    script = os.path.join(stack, "chooser-%s.sh" % kind)
    answer = ('exit 1' if kind == "cancel" else 'echo %s' % pick if pick
              else 'head -n 1 "$0.stdin"')
    with open(script, "w") as f:
        f.write('#!/bin/sh\necho "$WAYRTC_PORTAL_APP_ID|$WAYRTC_PORTAL_DEVICES" >> %s\n'
                'cat > "$0.stdin"\n%s\n' % (calls, answer))
    os.chmod(script, 0o755)
    with open(config, "w") as f:
        f.write("[portal]\nchooser=%s\n" % script)
    return script


def chooser_calls():
    try:
        with open(calls) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def wait_for(pred, what, timeout=TIMEOUT_S):
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        while ctx.iteration(False):
            pass
        value = pred()
        if value:
            return value
        time.sleep(0.02)
    raise Failure("timed out waiting for " + what)


def call(iface, method, args, reply="()", fds=False):
    if fds:
        return bus.call_with_unix_fd_list_sync(DESKTOP, PATH, iface, method, args,
                                               GLib.VariantType(reply), 0, -1, None, None)
    return bus.call_sync(DESKTOP, PATH, iface, method, args, GLib.VariantType(reply),
                         0, -1, None)


def request(iface, method, make_args):
    """Calls a method that answers through a Request, subscribed to before the call."""
    t = token()
    path = "/org/freedesktop/portal/desktop/request/%s/%s" % (sender, t)
    got = []
    sub = bus.signal_subscribe(DESKTOP, "org.freedesktop.portal.Request", "Response", path,
                               None, Gio.DBusSignalFlags.NONE,
                               lambda *a: got.append(a[5].unpack()), )
    try:
        handle = call(iface, method, make_args(t), "(o)").unpack()[0]
        check(handle == path, "request handle %s, not %s" % (handle, path))
        wait_for(lambda: got, method + " response")
    finally:
        bus.signal_unsubscribe(sub)
    return got[0]


def opts(**kw):
    return {k: v for k, v in kw.items()}


def create_session(iface):
    def args(t):
        return GLib.Variant("(a{sv})", (opts(handle_token=GLib.Variant("s", t),
                                             session_handle_token=GLib.Variant("s", "s" + t)),))
    response, res = request(iface, "CreateSession", args)
    check(response == 0, "CreateSession response %d" % response)
    return res["session_handle"]


def select_sources(session, **extra):
    def args(t):
        o = opts(handle_token=GLib.Variant("s", t), types=GLib.Variant("u", 1),
                 cursor_mode=GLib.Variant("u", 1))
        for k, v in extra.items():
            o[k] = v
        return GLib.Variant("(oa{sv})", (session, o))
    response, _ = request(SC, "SelectSources", args)
    check(response == 0, "SelectSources response %d" % response)


def start(iface, session):
    def args(t):
        return GLib.Variant("(osa{sv})", (session, "", opts(handle_token=GLib.Variant("s", t))))
    return request(iface, "Start", args)


def close_session(session):
    bus.call_sync(DESKTOP, session, "org.freedesktop.portal.Session", "Close", None, None,
                  0, -1, None)


def grab_frame(session, node, width, height):
    """One frame of `node` through pipewiresrc, as RGB rows."""
    ret, fd_list = call(SC, "OpenPipeWireRemote",
                        GLib.Variant("(oa{sv})", (session, {})), "(h)", fds=True)
    fd = fd_list.get(ret.unpack()[0])
    pipeline = Gst.parse_launch(
        "pipewiresrc fd=%d path=%u num-buffers=1 ! videoconvert ! "
        "video/x-raw,format=RGB ! appsink name=sink sync=false" % (fd, node))
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    try:
        sample = sink.emit("try-pull-sample", TIMEOUT_S * Gst.SECOND)
        check(sample is not None, "no frame from node %u" % node)
        s = sample.get_caps().get_structure(0)
        w, h = s.get_value("width"), s.get_value("height")
        check((w, h) == (width, height), "frame %dx%d, stream says %dx%d" % (w, h, width, height))
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        data = bytes(info.data)
        buf.unmap(info)
    finally:
        pipeline.set_state(Gst.State.NULL)
        os.close(fd)
    stride = (w * 3 + 3) & ~3
    return lambda x, y: tuple(data[y * stride + x * 3: y * stride + x * 3 + 3])


def check_pattern(pixel, w, h):
    want = {(w // 4, h // 4): (255, 0, 0), (3 * w // 4, h // 4): (0, 255, 0),
            (w // 4, 3 * h // 4): (0, 0, 255), (3 * w // 4, 3 * h // 4): (255, 255, 255)}
    for (x, y), rgb in want.items():
        check(pixel(x, y) == rgb, "pixel %d,%d is %s, not %s" % (x, y, pixel(x, y), rgb))


def only_stream(res):
    streams = res["streams"]
    check(len(streams) == 1, "%d streams" % len(streams))
    node, props = streams[0]
    check(props.get("source_type") == 1, "source_type %s" % props.get("source_type"))
    return node, props["size"], props.get("position")


def node_exists(node):
    out = subprocess.run(["pw-dump", str(node)], capture_output=True, text=True,
                         timeout=10).stdout
    return '"type": "PipeWire:Interface:Node"' in out


def client_lines():
    with open(client_out) as f:
        return f.read().splitlines()


def wait_line(line):
    wait_for(lambda: line in client_lines(), "“%s” from the pattern client" % line)


state = {}


def test_cancel():
    write_chooser("cancel")
    before = len(chooser_calls())
    session = create_session(SC)
    select_sources(session)
    response, _ = start(SC, session)
    check(response == 1, "Start response %d after the chooser said no, not 1" % response)
    check(len(chooser_calls()) == before + 1, "the chooser was not asked")


def test_screencast():
    write_chooser("pick")
    before = len(chooser_calls())
    session = create_session(SC)
    select_sources(session, persist_mode=GLib.Variant("u", 2))
    response, res = start(SC, session)
    check(response == 0, "Start response %d" % response)
    check(len(chooser_calls()) == before + 1, "the chooser was not asked")
    with open(os.path.join(stack, "chooser-pick.sh.stdin")) as f:
        check(f.read() == "HEADLESS-1\n", "the chooser was not offered HEADLESS-1")
    node, (w, h), pos = only_stream(res)
    check((w, h) == (640, 480), "stream size %dx%d" % (w, h))
    check(pos == (0, 0), "stream position %s" % (pos,))
    # the frontend keeps the backend's persist_mode and restore_data, and hands out a token
    check(res.get("restore_token"), "no restore token")
    state["token"] = res["restore_token"]
    check_pattern(grab_frame(session, node, w, h), w, h)
    close_session(session)
    wait_for(lambda: not node_exists(node), "node %u to go after Close" % node)


def test_restore():
    check("token" in state, "no token from the first run")
    write_chooser("pick")
    before = len(chooser_calls())
    session = create_session(SC)
    select_sources(session, persist_mode=GLib.Variant("u", 2),
                   restore_token=GLib.Variant("s", state["token"]))
    response, res = start(SC, session)
    check(response == 0, "Start response %d" % response)
    check(len(chooser_calls()) == before, "the chooser was asked despite the restore token")
    check(res.get("restore_token"), "no new restore token")
    node, (w, h), _ = only_stream(res)
    check_pattern(grab_frame(session, node, w, h), w, h)
    close_session(session)


def notify(method, sig, session, *args):
    bus.call_sync(DESKTOP, PATH, RD, method, GLib.Variant(sig, (session, {}) + args), None,
                  0, -1, None)


def test_remote_desktop():
    write_chooser("pick")
    before = len(chooser_calls())
    session = create_session(RD)

    def devices(t):
        return GLib.Variant("(oa{sv})", (session, opts(handle_token=GLib.Variant("s", t),
                                                       types=GLib.Variant("u", 3))))
    response, _ = request(RD, "SelectDevices", devices)
    check(response == 0, "SelectDevices response %d" % response)
    select_sources(session)
    response, res = start(RD, session)
    check(response == 0, "Start response %d" % response)
    check(res.get("devices") == 3, "devices %s" % res.get("devices"))
    check(chooser_calls()[before:] == ["|keyboard pointer"],
          "the chooser was not told about input: %s" % chooser_calls()[before:])
    node, (w, h), _ = only_stream(res)
    notify("NotifyPointerMotionAbsolute", "(oa{sv}udd)", session, node, 100.0, 50.0)
    wait_line("pointer motion 100 50")
    notify("NotifyPointerMotion", "(oa{sv}dd)", session, 20.0, 10.0)
    wait_line("pointer motion 120 60")
    notify("NotifyPointerButton", "(oa{sv}iu)", session, BTN_LEFT, 1)
    notify("NotifyPointerButton", "(oa{sv}iu)", session, BTN_LEFT, 0)
    wait_line("button %d pressed" % BTN_LEFT)
    wait_line("button %d released" % BTN_LEFT)
    notify("NotifyPointerAxisDiscrete", "(oa{sv}ui)", session, 0, 1)
    wait_for(lambda: any(l.startswith("axis 0 ") for l in client_lines()), "a wheel event")
    notify("NotifyKeyboardKeycode", "(oa{sv}iu)", session, KEY_A, 1)
    notify("NotifyKeyboardKeycode", "(oa{sv}iu)", session, KEY_A, 0)
    wait_line("key %d pressed" % KEY_A)
    wait_line("key %d released" % KEY_A)
    notify("NotifyKeyboardKeysym", "(oa{sv}iu)", session, ord("b"), 1)
    notify("NotifyKeyboardKeysym", "(oa{sv}iu)", session, ord("b"), 0)
    wait_line("key %d pressed" % KEY_B)
    # a key still held when the session closes is released by the sink
    notify("NotifyKeyboardKeycode", "(oa{sv}iu)", session, KEY_S, 1)
    wait_line("key %d pressed" % KEY_S)
    check_pattern(grab_frame(session, node, w, h), w, h)
    close_session(session)
    wait_line("key %d released" % KEY_S)


def cursor_modes():
    return bus.call_sync(DESKTOP, PATH, "org.freedesktop.DBus.Properties", "Get",
                         GLib.Variant("(ss)", (SC, "AvailableCursorModes")), None, 0, -1,
                         None).unpack()[0]


class Probe:
    """wayrtc-cursor-probe on the session's node: its stdout lines, as they come."""

    def __init__(self, session, node):
        ret, fd_list = call(SC, "OpenPipeWireRemote",
                            GLib.Variant("(oa{sv})", (session, {})), "(h)", fds=True)
        fd = fd_list.get(ret.unpack()[0])
        self.lines = []
        try:
            self.proc = subprocess.Popen([os.environ["WAYRTC_CURSOR_PROBE"], str(fd),
                                          str(node)], pass_fds=(fd,), stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)
        finally:
            os.close(fd)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def cursors(self):
        return [l.split() for l in self.lines if l.startswith("cursor ")]

    def frames(self):
        return sum(1 for l in self.lines if l.startswith("frame "))

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(10)


def cursor_at(probe, x, y, since):
    """The first cursor report from index `since` on that points at (x, y)."""
    for c in probe.cursors()[since:]:
        if c[1:3] == [str(x), str(y)]:
            return c
    return None


def test_cursor_metadata():
    write_chooser("pick")
    modes = cursor_modes()
    if ON_SWAY:
        check(modes == CURSOR_HIDDEN | CURSOR_EMBEDDED,
              "AvailableCursorModes %d on sway, not hidden|embedded" % modes)
        # the frontend refuses a mode the backend does not offer
        session = create_session(SC)
        try:
            select_sources(session, cursor_mode=GLib.Variant("u", CURSOR_METADATA))
            refused = False
        except (GLib.Error, Failure):
            refused = True
        close_session(session)
        check(refused, "cursor mode metadata was accepted on sway")
        return
    check(modes == CURSOR_HIDDEN | CURSOR_EMBEDDED | CURSOR_METADATA,
          "AvailableCursorModes %d, not hidden|embedded|metadata" % modes)
    session = create_session(RD)

    def devices(t):
        return GLib.Variant("(oa{sv})", (session, opts(handle_token=GLib.Variant("s", t),
                                                       types=GLib.Variant("u", 2))))
    response, _ = request(RD, "SelectDevices", devices)
    check(response == 0, "SelectDevices response %d" % response)
    select_sources(session, cursor_mode=GLib.Variant("u", CURSOR_METADATA))
    response, res = start(RD, session)
    check(response == 0, "Start response %d" % response)
    node, (w, h), _ = only_stream(res)
    probe = Probe(session, node)
    try:
        notify("NotifyPointerMotionAbsolute", "(oa{sv}udd)", session, node, 50.0, 40.0)
        wait_for(lambda: probe.frames() and cursor_at(probe, 50, 40, 0),
                 "a frame and the cursor at 50,40: %s" % probe.lines[-5:])
        check("frame %d %d" % (w, h) in probe.lines, "no %dx%d frame" % (w, h))
        # the image came with the first buffers, within the 128 px wayrtc takes
        images = [c for c in probe.cursors() if len(c) > 5 and c[5] == "image"]
        check(images, "no cursor image in %s" % probe.cursors())
        iw, ih = int(images[0][6]), int(images[0][7])
        check(0 < iw <= 128 and 0 < ih <= 128, "cursor image %dx%d" % (iw, ih))
        # the screen is still (the pointer is not in the frames): the move goes out in a
        # buffer without a picture, which the consumer takes as no new frame
        time.sleep(0.6)  # past the backend's repeats of the first frame
        frames, seen = probe.frames(), len(probe.cursors())
        notify("NotifyPointerMotionAbsolute", "(oa{sv}udd)", session, node, 200.0, 150.0)
        c = wait_for(lambda: cursor_at(probe, 200, 150, seen), "the cursor at 200,150")
        check(probe.frames() == frames, "the move came with a frame (%d → %d)"
              % (frames, probe.frames()))
        check(len(c) == 5 or c[5] != "image", "the unchanged image was sent again: %s" % c)
        # a burst of moves: at most one buffer per output frame (60 Hz here), and the last
        # position is never lost
        seen = len(probe.cursors())
        began = time.monotonic()
        for i in range(30):
            notify("NotifyPointerMotionAbsolute", "(oa{sv}udd)", session, node,
                   210.0 + i, 160.0 + i)
        wait_for(lambda: cursor_at(probe, 239, 189, seen), "the cursor at 239,189")
        took = time.monotonic() - began
        n = len(probe.cursors()) - seen
        check(n <= took * 60 + 2, "%d cursor reports in %.0f ms" % (n, took * 1000))
    finally:
        probe.close()
    close_session(session)


def swaymsg(*args):
    socks = [f for f in os.listdir(os.path.join(stack, "sway")) if f.startswith("sway-ipc.")]
    check(socks, "no sway IPC socket")
    out = subprocess.run(["swaymsg", "-s", os.path.join(stack, "sway", socks[0])] + list(args),
                         capture_output=True, text=True, timeout=10)
    check(out.returncode == 0, "swaymsg %s: %s%s" % (" ".join(args), out.stdout, out.stderr))
    return out.stdout


def test_second_output():
    """Absolute motion lands on the shared output, not on the first one."""
    swaymsg("create_output")
    swaymsg("output", "HEADLESS-2", "resolution", "640x480", "position", "640", "0")
    # the pattern goes to the second output: motion there reaches it, on the first not
    swaymsg("[app_id=wayrtc-test-pattern]", "move", "container", "to", "output", "HEADLESS-2")
    try:
        write_chooser("second", "HEADLESS-2")
        session = create_session(RD)

        def devices(t):
            return GLib.Variant("(oa{sv})", (session, opts(handle_token=GLib.Variant("s", t),
                                                           types=GLib.Variant("u", 2))))
        response, _ = request(RD, "SelectDevices", devices)
        check(response == 0, "SelectDevices response %d" % response)
        select_sources(session)
        response, res = start(RD, session)
        check(response == 0, "Start response %d" % response)
        with open(os.path.join(stack, "chooser-second.sh.stdin")) as f:
            check(f.read().split() == ["HEADLESS-1", "HEADLESS-2"],
                  "the chooser was not offered both outputs")
        node, (w, h), pos = only_stream(res)
        check(pos == (640, 0) and (w, h) == (640, 480), "stream at %s, %dx%d" % (pos, w, h))
        check_pattern(grab_frame(session, node, w, h), w, h)
        notify("NotifyPointerMotionAbsolute", "(oa{sv}udd)", session, node, 110.0, 70.0)
        wait_line("pointer motion 110 70")
        notify("NotifyPointerMotionAbsolute", "(oa{sv}udd)", session, node, 639.0, 479.0)
        wait_line("pointer motion 639 479")
        close_session(session)
    finally:
        swaymsg("[app_id=wayrtc-test-pattern]", "move", "container", "to", "output",
                "HEADLESS-1")


def consumer_process(session, node):
    """A consumer of its own, gst-launch-1.0, with a remote the session opened for it."""
    ret, fd_list = call(SC, "OpenPipeWireRemote",
                        GLib.Variant("(oa{sv})", (session, {})), "(h)", fds=True)
    fd = fd_list.get(ret.unpack()[0])
    try:
        # a downstream of ANY caps would make pipewiresrc offer no format at all: its own
        # stream then fails ("no format given") and it reports not-negotiated, on any node
        return subprocess.run(["gst-launch-1.0", "-q", "pipewiresrc", "fd=%d" % fd,
                               "path=%u" % node, "num-buffers=1", "!", "videoconvert", "!",
                               "video/x-raw,format=RGB", "!", "fakesink", "sync=false"],
                              pass_fds=(fd,), capture_output=True, text=True,
                              timeout=TIMEOUT_S)
    finally:
        os.close(fd)


def test_consumers_in_a_row():
    """One node, one consumer after another, each leaving its own way; and an app that
    leaves the bus takes its node along, while the next app's own session works."""
    write_chooser("pick")
    session = create_session(SC)
    select_sources(session)
    response, res = start(SC, session)
    check(response == 0, "Start response %d" % response)
    node, (w, h), _ = only_stream(res)
    check_pattern(grab_frame(session, node, w, h), w, h)
    # wayrtc's consumer, killed while streaming (buffers still mapped)
    probe = Probe(session, node)
    wait_for(lambda: probe.frames(), "a frame in wayrtc-cursor-probe")
    probe.proc.kill()
    probe.proc.wait()
    # a process of its own, right after, and then this one again
    out = consumer_process(session, node)
    check(out.returncode == 0, "a consumer after a killed one failed: %s" % out.stderr[-500:])
    check_pattern(grab_frame(session, node, w, h), w, h)
    close_session(session)
    # an app that leaves the bus: the frontend closes its session, and the node goes
    env = dict(os.environ, WAYRTC_TEST_APP_LEAVES="1")
    out = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True,
                         timeout=TIMEOUT_S * 2)
    left = [l for l in out.stdout.splitlines() if l.startswith("node ")]
    check(out.returncode == 0 and left, "the leaving app failed: %s%s" % (out.stdout, out.stderr))
    gone = int(left[0].split()[1])
    wait_for(lambda: not node_exists(gone), "node %u to go with its app" % gone)
    session = create_session(SC)
    select_sources(session)
    response, res = start(SC, session)
    check(response == 0, "Start response %d after an app left" % response)
    node, (w, h), _ = only_stream(res)
    check_pattern(grab_frame(session, node, w, h), w, h)
    close_session(session)


def app_leaves():
    """WAYRTC_TEST_APP_LEAVES: an app that shares, reads a frame, prints its node and
    exits without closing anything."""
    session = create_session(SC)
    select_sources(session)
    response, res = start(SC, session)
    check(response == 0, "Start response %d" % response)
    node, (w, h), _ = only_stream(res)
    check_pattern(grab_frame(session, node, w, h), w, h)
    print("node %d" % node, flush=True)


def test_closed_by_desktop():
    write_chooser("pick")
    session = create_session(SC)
    # embedded: screencopy draws the cursor in
    check(cursor_modes() & CURSOR_EMBEDDED, "AvailableCursorModes lacks embedded")
    select_sources(session, cursor_mode=GLib.Variant("u", CURSOR_EMBEDDED))
    response, res = start(SC, session)
    check(response == 0, "Start response %d" % response)
    node, _, _ = only_stream(res)
    closed = []
    sub = bus.signal_subscribe(DESKTOP, "org.freedesktop.portal.Session", "Closed", session,
                               None, Gio.DBusSignalFlags.NONE, lambda *a: closed.append(1))
    # the desktop going away ends the share; the app hears it from its Session
    os.kill(int(os.environ["WAYRTC_STACK_SESSION_PID"]), signal.SIGTERM)
    wait_for(lambda: closed, "Session.Closed after the compositor left")
    bus.signal_unsubscribe(sub)
    wait_for(lambda: not node_exists(node), "node %u to go" % node)


if os.environ.get("WAYRTC_TEST_APP_LEAVES"):
    app_leaves()
    sys.exit(0)
tests = [test_cancel, test_screencast, test_restore, test_remote_desktop, test_cursor_metadata,
         test_consumers_in_a_row, test_closed_by_desktop]
# wayrtc-session has one output: the case exists only where a second can be made
if ON_SWAY:
    tests.insert(5, test_second_output)
print("1..%d" % len(tests), flush=True)
failed = 0
for i, t in enumerate(tests, 1):
    name = t.__name__[len("test_"):]
    try:
        t()
        print("ok %d - %s" % (i, name), flush=True)
    except Skip as e:
        print("ok %d - %s # SKIP %s" % (i, name, e), flush=True)
    except Exception as e:  # a failure or an unexpected D-Bus error: report, go on
        failed += 1
        print("not ok %d - %s: %s" % (i, name, e), flush=True)
sys.exit(1 if failed else 0)
